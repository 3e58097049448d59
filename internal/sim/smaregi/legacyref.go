package smaregi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// legacyField is a column a condition or order may name.
type legacyField struct {
	a    attr
	kind byte // i: integer, t: date and time, d: date, s: string
}

var legacyTxFields = map[string]legacyField{
	"transactionHeadId": {aID, 'i'}, "transactionDateTime": {aTDT, 't'}, "terminalTranDateTime": {aTTDT, 't'},
	"updDateTime": {aUpd, 't'}, "sumDateTime": {aSumDate, 'd'}, "sumDate": {aSumDate, 'd'},
	"storeId": {aStore, 'i'}, "terminalId": {aTerminal, 'i'}, "terminalTranId": {aTranID, 'i'},
	"transactionHeadDivision": {aDivision, 'i'}, "cancelDivision": {aCancel, 'i'}, "disposeDivision": {aDispose, 'i'},
	"transactionUuid": {aUUID, 's'},
}

var legacyOps = map[string]op{"": opEq, "=": opEq, "<>": opNe, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// legacyConds turns conditions [{"<field> <op>": "<value>"}] into conds.
func legacyConds(p refParams) ([]cond, error) {
	var conds []cond
	for _, m := range p.Conditions {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			name, opS, _ := strings.Cut(strings.TrimSpace(k), " ")
			f, ok := legacyTxFields[name]
			o, okOp := legacyOps[strings.TrimSpace(opS)]
			if !ok || !okOp || (f.kind == 's' && o != opEq && o != opNe) {
				return nil, legacyFail(legInvalidInput, "パラメータ不正です。(conditions: %q)", k)
			}
			var raw string
			if err := json.Unmarshal(m[k], &raw); err != nil {
				raw = strings.Trim(string(m[k]), `"`)
			}
			c := cond{a: f.a, op: o}
			var err error
			switch f.kind {
			case 'i':
				c.v, err = strconv.ParseInt(raw, 10, 64)
			case 't':
				var t time.Time
				if t, err = time.ParseInLocation(legacyLayout, raw, jst); err != nil {
					t, err = time.ParseInLocation(dateLayout, raw, jst)
				}
				c.v = t.Unix()
			case 'd':
				var t time.Time
				if t, err = time.ParseInLocation(dateLayout, raw, jst); err != nil {
					t, err = time.ParseInLocation(legacyLayout, raw, jst)
				}
				c.v = dateNum(t)
			default:
				c.str = raw
			}
			if err != nil {
				return nil, legacyFail(legInvalidInput, "パラメータ不正です。(conditions: %q の値 %q)", k, raw)
			}
			conds = append(conds, c)
		}
	}
	return conds, nil
}

// legacyOrder reads order ["<field> [asc|desc]"].
func legacyOrder(p refParams) ([]sortKey, error) {
	var keys []sortKey
	for _, o := range p.Order {
		name, dir, _ := strings.Cut(strings.TrimSpace(o), " ")
		f, ok := legacyTxFields[name]
		dir = strings.ToLower(strings.TrimSpace(dir))
		if !ok || f.kind == 's' || (dir != "" && dir != "asc" && dir != "desc") {
			return nil, legacyFail(legInvalidInput, "パラメータ不正です。(order: %q)", o)
		}
		keys = append(keys, sortKey{a: f.a, desc: dir == "desc"})
	}
	return keys, nil
}

// legacyHeadKeys and legacyLineKeys are the columns `fields` may name.
var (
	legacyHeadKeys = keysOf(func(v *view, o *object) { v.legacy(o) })
	legacyLineKeys = keysOf(func(v *view, o *object) { v.legacyLine(o, line{}) })
)

func legacyKeep(fields []string, known map[string]bool) (map[string]bool, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	keep := map[string]bool{}
	for _, f := range fields {
		if !known[f] {
			return nil, legacyFail(legInvalidInput, "パラメータ不正です。(fields: %q)", f)
		}
		keep[f] = true
	}
	return keep, nil
}

// legacyMaxPeriod bounds the period a transaction_ref reads.
// ASSUMPTION: the legacy limit is not known; the simulator refuses more than
// the Platform API's 31 days (default period: from the history start).
const legacyMaxPeriod = maxRangeDays * 24 * time.Hour

// transactionRef answers transaction_ref for TransactionHead or
// TransactionDetail.
func (s *Server) transactionRef(a *account, now time.Time, p refParams) ([]byte, error) {
	detailRows := p.TableName == "TransactionDetail"
	if p.TableName != "TransactionHead" && !detailRows {
		return nil, legacyFail(legBadTable, "パラメータ不正です。(table_name %q)", p.TableName)
	}
	conds, err := legacyConds(p)
	if err != nil {
		return nil, err
	}
	order, err := legacyOrder(p)
	if err != nil {
		return nil, err
	}
	known := legacyHeadKeys
	if detailRows {
		known = legacyLineKeys
	}
	keep, err := legacyKeep(p.Fields, known)
	if err != nil {
		return nil, err
	}
	if period(conds, a.HistoryStart, now) > legacyMaxPeriod {
		return nil, legacyFail(legInvalidInput, "パラメータ不正です。(期間は%d日以内で指定してください)", maxRangeDays)
	}
	sc := newScanner(a, now)
	rows := sc.collect(conds, order)
	type item struct {
		r    row
		line int
	}
	var items []item
	for _, rw := range rows {
		if !detailRows {
			items = append(items, item{r: rw})
			continue
		}
		rc, ok := sc.record(rw.ti, rw.seq, rw.negates)
		if !ok {
			return nil, fmt.Errorf("transaction %d vanished between two readings", rw.vals[aID])
		}
		v := viewOf(&rc)
		for i := range v.lines {
			items = append(items, item{r: rw, line: i})
		}
	}
	total := len(items)
	items = page(items, int(p.Page), int(p.Limit))
	b := make([]byte, 0, 4096*len(items)+64)
	b = append(b, `{"total_count":`...)
	b = appendJSONString(b, strconv.Itoa(total))
	b = append(b, `,"result":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		rc, ok := sc.record(it.r.ti, it.r.seq, it.r.negates)
		if !ok {
			return nil, fmt.Errorf("transaction %d vanished between two readings", it.r.vals[aID])
		}
		v := viewOf(&rc)
		o := beginObject(&b, keep)
		if detailRows {
			v.legacyLine(&o, linesOf(&v)[it.line])
		} else {
			v.legacy(&o)
		}
		o.end()
	}
	return append(b, "]}"...), nil
}

// period is how much time the conditions let a query read: the narrowest
// time or date range they bound, within [start, now].
func period(conds []cond, start, now time.Time) time.Duration {
	p := now.Sub(start)
	for _, a := range []attr{aTDT, aTTDT, aUpd, aSumDate} {
		lo, hi, ok := bounds(conds, a)
		if !ok {
			continue
		}
		var from, to time.Time
		if a == aSumDate {
			from, to = start, now
			if lo > 0 {
				from = dateOfNum(lo)
			}
			if hi < 99991231 {
				to = dateOfNum(hi).AddDate(0, 0, 1).Add(-time.Second)
			}
		} else {
			from, to = time.Unix(max(lo, start.Unix()), 0), time.Unix(min(hi, now.Unix()), 0)
		}
		if from.Before(start) {
			from = start
		}
		if to.After(now) {
			to = now
		}
		p = min(p, max(to.Sub(from), 0))
	}
	return p
}

// legacyStoreKeys are the columns of a store_ref row.
var legacyStoreKeys = func() map[string]bool {
	var b []byte
	o := beginObject(&b, nil)
	writeLegacyStore(&o, &Store{ID: 1}, &account{})
	o.end()
	return jsonKeys(b)
}()

// storeRef answers store_ref (table Store); conditions may name storeId,
// storeCode and division (with =), order storeId.
func storeRef(a *account, p refParams) ([]byte, error) {
	if p.TableName != "Store" {
		return nil, legacyFail(legBadTable, "パラメータ不正です。(table_name %q)", p.TableName)
	}
	keep, err := legacyKeep(p.Fields, legacyStoreKeys)
	if err != nil {
		return nil, err
	}
	var stores []*Store
	for i := range a.Stores {
		st := &a.Stores[i]
		match := true
		for _, m := range p.Conditions {
			for _, k := range slices.Sorted(maps.Keys(m)) { // the same error for the same params
				raw := m[k]
				name, opS, _ := strings.Cut(strings.TrimSpace(k), " ")
				var v string
				if err := json.Unmarshal(raw, &v); err != nil {
					v = strings.Trim(string(raw), `"`)
				}
				if o := strings.TrimSpace(opS); o != "" && o != "=" {
					return nil, legacyFail(legInvalidInput, "パラメータ不正です。(conditions: %q)", k)
				}
				switch name {
				case "storeId":
					match = match && strconv.Itoa(st.ID) == v
				case "storeCode":
					match = match && st.Code == v
				case "division":
					match = match && v == "1" // every simulated store is a shop
				default:
					return nil, legacyFail(legInvalidInput, "パラメータ不正です。(conditions: %q)", k)
				}
			}
		}
		if match {
			stores = append(stores, st)
		}
	}
	for _, o := range p.Order {
		name, dir, _ := strings.Cut(strings.TrimSpace(o), " ")
		dir = strings.ToLower(strings.TrimSpace(dir))
		if name != "storeId" || (dir != "" && dir != "asc" && dir != "desc") {
			return nil, legacyFail(legInvalidInput, "パラメータ不正です。(order: %q)", o)
		}
		if dir == "desc" {
			slices.Reverse(stores)
		}
	}
	total := len(stores)
	stores = page(stores, int(p.Page), int(p.Limit))
	b := []byte(`{"total_count":`)
	b = appendJSONString(b, strconv.Itoa(total))
	b = append(b, `,"result":[`...)
	for i, st := range stores {
		if i > 0 {
			b = append(b, ',')
		}
		o := beginObject(&b, keep)
		writeLegacyStore(&o, st, a)
		o.end()
	}
	return append(b, "]}"...), nil
}
