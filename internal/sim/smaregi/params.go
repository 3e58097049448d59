package smaregi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// txQuery is a GET /transactions request, checked.
type txQuery struct {
	conds         []cond
	sort          []sortKey
	limit, page   int
	keep          map[string]bool // the `fields` selection; nil: all
	details       string          // none, all or summary
	depositOthers bool
	layaway       bool // with_layaway(s)=all
	pickUp        bool // with_layaway_pick_ups=all
}

// The four date ranges of GET /transactions; one is required (pos-apis §2.4).
var dateRanges = []struct {
	name string
	a    attr
	date bool // YYYY-MM-DD rather than a date and time
}{
	{"transaction_date_time", aTDT, false},
	{"terminal_tran_date_time", aTTDT, false},
	{"sum_date", aSumDate, true},
	{"upd_date_time", aUpd, false},
}

// maxRangeDays is the longest a date range may be.
const maxRangeDays = 31

// sortKeys are the keys `sort` allows (pos-apis §2.4).
var sortKeys = map[string]attr{
	"transactionHeadId": aID, "transactionDateTime": aTDT, "transactionHeadDivision": aDivision,
	"storeId": aStore, "terminalId": aTerminal, "customerId": aCustomer, "terminalTranId": aTranID,
	"terminalTranDateTime": aTTDT, "sumDate": aSumDate, "updDateTime": aUpd,
}

// headDivisions are the values of transactionHeadDivision (pos-apis §2.4).
var headDivisions = map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true,
	"8": true, "9": true, "10": true, "11": true, "13": true, "14": true, "15": true, "16": true}

// errBadParam marks a request the API answers with 400; its text is the
// problem's detail.
var errBadParam = errors.New("bad parameter")

func badParam(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadParam}, args...)...)
}

// detail is the 400 detail of a parameter error.
func detail(err error) string {
	s, _ := strings.CutPrefix(err.Error(), errBadParam.Error()+": ")
	return s
}

func parseTxQuery(q url.Values) (txQuery, error) {
	var tq txQuery
	var err error
	if tq.details, err = withValue(q, "with_details", "all", "summary", "none"); err != nil {
		return tq, err
	}
	maxLimit := 1000
	if tq.details != "none" {
		maxLimit = 100 // pos-apis §2.4: at most 100 with details
	}
	if tq.limit, tq.page, err = limitPage(q, maxLimit); err != nil {
		if tq.details != "none" {
			return tq, badParam("%s (at most 100 when with_details is %s)", detail(err), tq.details)
		}
		return tq, err
	}
	var deposit string
	if deposit, err = withValue(q, "with_deposit_others", "all", "none"); err != nil {
		return tq, err
	}
	tq.depositOthers = deposit == "all"
	// Blocks the simulated shops never have (layaways, money control, product
	// attributes) are checked and then have nothing to add.
	flags := map[string]bool{}
	for _, name := range []string{"with_layaway", "with_layaways", "with_layaway_pick_ups", "with_money_control", "with_detail_product_attributes"} {
		v, err := withValue(q, name, "all", "none")
		if err != nil {
			return tq, err
		}
		flags[name] = v == "all"
	}
	tq.layaway = flags["with_layaway"] || flags["with_layaways"]
	tq.pickUp = flags["with_layaway_pick_ups"]
	if tq.sort, err = parseSort(q.Get("sort")); err != nil {
		return tq, err
	}
	if tq.keep, err = parseFields(q.Get("fields")); err != nil {
		return tq, err
	}
	if tq.conds, err = rangeConds(q); err != nil {
		return tq, err
	}
	filters, err := filterConds(q)
	tq.conds = append(tq.conds, filters...)
	return tq, err
}

// limitPage reads limit (1–maxLimit, default 100) and page (from 1).
func limitPage(q url.Values, maxLimit int) (limit, page int, err error) {
	limit, page = min(100, maxLimit), 1
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, badParam("limit must be an integer from 1 to %d, got %q", maxLimit, s)
		}
		limit = n
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			return 0, 0, badParam("page must be an integer from 1, got %q", s)
		}
		page = n
	}
	return limit, page, nil
}

// withValue reads a with_* flag (default none).
func withValue(q url.Values, name string, allowed ...string) (string, error) {
	v := q.Get(name)
	if v == "" {
		return "none", nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", badParam("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
}

// parseSort reads "key[:asc|:desc],…"; the default is transactionHeadId asc.
func parseSort(s string) ([]sortKey, error) {
	if s == "" {
		return nil, nil
	}
	var keys []sortKey
	for part := range strings.SplitSeq(s, ",") {
		name, dir, _ := strings.Cut(strings.TrimSpace(part), ":")
		a, ok := sortKeys[name]
		if !ok {
			return nil, badParam("sort: %q is not a sortable field", name)
		}
		if dir != "" && dir != "asc" && dir != "desc" {
			return nil, badParam("sort: order of %s must be asc or desc, got %q", name, dir)
		}
		keys = append(keys, sortKey{a: a, desc: dir == "desc"})
	}
	return keys, nil
}

// parseFields reads the `fields` selection of top-level fields.
// ASSUMPTION: a name that is not a field of the head is refused with 400.
func parseFields(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	keep := map[string]bool{}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if !platformHeadKeys[f] {
			return nil, badParam("fields: %q is not a field of a transaction", f)
		}
		keep[f] = true
	}
	return keep, nil
}

// rangeConds reads the four date ranges: at least one is required, each
// with both ends and at most 31 days long.
// ASSUMPTION: both ends are inclusive, and a range needs both (-from alone
// is refused); sum_date alone is a one-day range.
func rangeConds(q url.Values) ([]cond, error) {
	var conds []cond
	for _, r := range dateRanges {
		fromS, toS := q.Get(r.name+"-from"), q.Get(r.name+"-to")
		if r.date && fromS == "" && toS == "" && q.Get(r.name) != "" {
			fromS, toS = q.Get(r.name), q.Get(r.name)
		}
		if fromS == "" && toS == "" {
			continue
		}
		if fromS == "" || toS == "" {
			return nil, badParam("%s-from and %s-to must be given together", r.name, r.name)
		}
		from, err := parseWhen(r.name+"-from", fromS, r.date)
		if err != nil {
			return nil, err
		}
		to, err := parseWhen(r.name+"-to", toS, r.date)
		if err != nil {
			return nil, err
		}
		if to.Before(from) {
			return nil, badParam("%s-to is before %s-from", r.name, r.name)
		}
		long := to.Sub(from) > maxRangeDays*24*time.Hour
		if r.date {
			// Dates: at most 31 days counted inclusively.
			long = to.Sub(from) >= maxRangeDays*24*time.Hour
		}
		if long {
			return nil, badParam("the range of %s must not exceed %d days", r.name, maxRangeDays)
		}
		if r.date {
			conds = append(conds, cond{a: r.a, op: opGe, v: dateNum(from)}, cond{a: r.a, op: opLe, v: dateNum(to)})
		} else {
			conds = append(conds, cond{a: r.a, op: opGe, v: from.Unix()}, cond{a: r.a, op: opLe, v: to.Unix()})
		}
	}
	if len(conds) == 0 {
		return nil, badParam("one of the ranges transaction_date_time, terminal_tran_date_time, sum_date or upd_date_time (-from and -to) is required")
	}
	return conds, nil
}

// parseWhen reads YYYY-MM-DDThh:mm:ssTZD, or YYYY-MM-DD for dates.
func parseWhen(name, s string, date bool) (time.Time, error) {
	if date {
		t, err := time.ParseInLocation(dateLayout, s, jst)
		if err != nil {
			return t, badParam("%s must be a date YYYY-MM-DD, got %q", name, s)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, badParam("%s must be a date and time YYYY-MM-DDThh:mm:ssTZD such as 2026-01-24T09:00:00+09:00, got %q", name, s)
	}
	return t, nil
}

// filterConds reads the other filters.
func filterConds(q url.Values) ([]cond, error) {
	var conds []cond
	ints := []struct {
		name string
		a    attr
		op   op
	}{
		{"transaction_head_id-from", aID, opGe}, {"transaction_head_id-to", aID, opLe},
		{"store_id", aStore, opEq},
		// ASSUMPTION: terminal_id filters too (not in the sources).
		{"terminal_id", aTerminal, opEq},
	}
	for _, f := range ints {
		if s := q.Get(f.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return nil, badParam("%s must be a positive integer, got %q", f.name, s)
			}
			conds = append(conds, cond{a: f.a, op: f.op, v: n})
		}
	}
	if s := q.Get("transaction_head_division"); s != "" {
		if !headDivisions[s] {
			return nil, badParam("transaction_head_division %q is not a transaction division", s)
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		conds = append(conds, cond{a: aDivision, op: opEq, v: n})
	}
	if s := q.Get("transaction_uuid"); s != "" {
		conds = append(conds, cond{a: aUUID, op: opEq, str: s})
	}
	// The simulated shops have no members and no barcodes on receipts.
	for _, name := range []string{"customer_code", "customer_id", "barcode"} {
		if q.Get(name) != "" {
			conds = append(conds, cond{a: aNone})
		}
	}
	return conds, nil
}

// platformHeadKeys are the head's field names, for checking `fields`.
var platformHeadKeys = keysOf(func(v *view, o *object) { v.platform(o) })

// keysOf lists the keys write puts into an object.
func keysOf(write func(v *view, o *object)) map[string]bool {
	st, t := &Store{ID: 1}, &Terminal{ID: 1}
	v := viewOf(&rec{reg: &register{store: st, term: t}})
	var b []byte
	o := beginObject(&b, nil)
	write(&v, &o)
	o.end()
	return jsonKeys(b)
}

// jsonKeys lists the keys of a JSON object.
func jsonKeys(b []byte) map[string]bool {
	var m map[string]json.RawMessage
	// b is the simulator's own encoder output: always an object.
	_ = json.Unmarshal(b, &m)
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return keys
}
