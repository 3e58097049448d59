package smaregi

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func TestPagingFollowsLinkUntilAShortPage(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)

	_, b := get(t, cl, f.pos(c, "/transactions", withQ(day(), "limit", "1000")))
	all := heads(t, b)
	if len(all) < 40 {
		t.Fatalf("only %d transactions in a day of three registers", len(all))
	}
	q := withQ(day(), "limit", "7")
	u, pages := f.pos(c, "/transactions", q), 0
	var ids []int64
	for u != "" {
		resp, b := get(t, cl, u)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages+1, resp.StatusCode, b)
		}
		hs := heads(t, b)
		for _, h := range hs {
			id, err := strconv.ParseInt(str(h["transactionHeadId"]), 10, 64)
			if err != nil {
				t.Fatalf("transactionHeadId %q not numeric", str(h["transactionHeadId"]))
			}
			ids = append(ids, id)
		}
		pages++
		link := resp.Header.Get("Link")
		u = ""
		if m := nextLink.FindStringSubmatch(link); m != nil {
			if len(hs) != 7 || !strings.Contains(link, `rel="first"`) {
				t.Fatalf("Link on a page of %d: %q", len(hs), link)
			}
			u = m[1]
		} else if len(hs) == 7 {
			t.Fatalf("full page without a next link")
		}
	}
	if pages != len(all)/7+1 {
		t.Errorf("%d pages for %d transactions by 7", pages, len(all))
	}
	if len(ids) != len(all) || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatalf("paging gave %d ids (sorted %v) for %d transactions", len(ids), slices.IsSorted(ids), len(all))
	}
	// Explicit page numbers agree with the links.
	_, b = get(t, cl, f.pos(c, "/transactions", withQ(withQ(day(), "limit", "7"), "page", "3")))
	if p3 := heads(t, b); str(p3[0]["transactionHeadId"]) != strconv.FormatInt(ids[14], 10) {
		t.Fatalf("page 3 starts at %s, want %d", str(p3[0]["transactionHeadId"]), ids[14])
	}
	// Beyond the end: an empty array.
	if _, b = get(t, cl, f.pos(c, "/transactions", withQ(withQ(day(), "limit", "7"), "page", "999"))); string(b) != "[]" {
		t.Fatalf("page beyond the end: %s", b)
	}
}

func TestSortOrders(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	column := func(sort, field string) []string {
		_, b := get(t, cl, f.pos(c, "/transactions", withQ(withQ(day(), "limit", "1000"), "sort", sort)))
		var out []string
		for _, h := range heads(t, b) {
			out = append(out, str(h[field]))
		}
		return out
	}
	asc := column("", "transactionHeadId")
	desc := column("transactionHeadId:desc", "transactionHeadId")
	if !slices.IsSortedFunc(asc, cmpNum) || !slices.Equal(desc, reversed(asc)) {
		t.Fatal("transactionHeadId asc by default and desc on request")
	}
	ttdt := column("terminalTranDateTime:desc", "terminalTranDateTime")
	if !slices.IsSorted(reversed(ttdt)) {
		t.Fatal("terminalTranDateTime:desc not descending")
	}
	if upd := column("updDateTime", "updDateTime"); !slices.IsSorted(upd) {
		t.Fatal("updDateTime not ascending")
	}
	st := column("storeId:asc,transactionHeadId:desc", "storeId")
	if !slices.IsSorted(st) {
		t.Fatal("storeId not ascending")
	}
}

func cmpNum(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return int(x - y)
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func withQ(q url.Values, k, v string) url.Values {
	out := url.Values{}
	for kk, vv := range q {
		out[kk] = slices.Clone(vv)
	}
	out.Set(k, v)
	return out
}

func TestQueryRules(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{Stores: []StoreSpec{{Terminals: 1}}})
	cl := f.client(t, c)
	rng := func(name string, from, to time.Time) url.Values {
		return url.Values{name + "-from": {from.Format(time.RFC3339)}, name + "-to": {to.Format(time.RFC3339)}}
	}
	cases := []struct {
		name string
		q    url.Values
		want int
	}{
		{"no range", url.Values{"limit": {"10"}}, 400},
		{"from without to", url.Values{"upd_date_time-from": {"2026-01-19T00:00:00+09:00"}}, 400},
		{"32 days", rng("upd_date_time", t0.AddDate(0, 0, -32), t0), 400},
		{"31 days", rng("upd_date_time", t0.AddDate(0, 0, -31), t0), 200},
		{"31 days and a second", rng("transaction_date_time", t0.AddDate(0, 0, -31).Add(-time.Second), t0), 400},
		{"to before from", rng("terminal_tran_date_time", t0, t0.Add(-time.Hour)), 400},
		{"date without time", url.Values{"upd_date_time-from": {"2026-01-19"}, "upd_date_time-to": {"2026-01-20"}}, 400},
		{"no time zone", url.Values{"upd_date_time-from": {"2026-01-19T00:00:00"}, "upd_date_time-to": {"2026-01-20T00:00:00"}}, 400},
		{"space for the T", url.Values{"upd_date_time-from": {"2026-01-19 00:00:00+09:00"}, "upd_date_time-to": {"2026-01-20T00:00:00+09:00"}}, 400},
		{"UTC is fine", url.Values{"upd_date_time-from": {"2026-01-19T00:00:00Z"}, "upd_date_time-to": {"2026-01-20T00:00:00Z"}}, 200},
		{"sum_date 31 days", url.Values{"sum_date-from": {"2025-12-21"}, "sum_date-to": {"2026-01-20"}}, 200},
		{"sum_date 32 days", url.Values{"sum_date-from": {"2025-12-20"}, "sum_date-to": {"2026-01-20"}}, 400},
		{"sum_date one day", url.Values{"sum_date": {"2026-01-19"}}, 200},
		{"sum_date malformed", url.Values{"sum_date-from": {"2026/01/19"}, "sum_date-to": {"2026-01-20"}}, 400},
		{"limit 0", withQ(day(), "limit", "0"), 400},
		{"limit 1001", withQ(day(), "limit", "1001"), 400},
		{"limit 1000", withQ(day(), "limit", "1000"), 200},
		{"limit x", withQ(day(), "limit", "x"), 400},
		{"page 0", withQ(day(), "page", "0"), 400},
		{"details and limit 101", withQ(withQ(day(), "with_details", "all"), "limit", "101"), 400},
		{"summary and limit 101", withQ(withQ(day(), "with_details", "summary"), "limit", "101"), 400},
		{"details and limit 100", withQ(withQ(day(), "with_details", "all"), "limit", "100"), 200},
		{"with_details bad", withQ(day(), "with_details", "some"), 400},
		{"sort unknown key", withQ(day(), "sort", "total:desc"), 400},
		{"sort bad order", withQ(day(), "sort", "updDateTime:down"), 400},
		{"fields unknown", withQ(day(), "fields", "transactionHeadId,nope"), 400},
		{"division bad", withQ(day(), "transaction_head_division", "12"), 400},
		{"store_id bad", withQ(day(), "store_id", "x"), 400},
	}
	for _, tc := range cases {
		resp, b := get(t, cl, f.pos(c, "/transactions", tc.q))
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, resp.StatusCode, tc.want, b)
			continue
		}
		if tc.want == 400 {
			problemOf(t, resp, b, 400)
		}
	}
	resp, b := get(t, cl, f.pos(c, "/transactions", rng("upd_date_time", t0.AddDate(0, 0, -32), t0)))
	if p := problemOf(t, resp, b, 400); !strings.Contains(p["detail"].(string), "31 days") {
		t.Errorf("32-day detail: %v", p["detail"])
	}
}

func TestFieldsSelectsTopLevelFields(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	q := withQ(withQ(day(), "fields", "transactionHeadId,total,terminalTranDateTime"), "with_deposit_others", "all")
	_, b := get(t, f.client(t, c), f.pos(c, "/transactions", q))
	var rows []map[string]any
	mustJSON(t, b, &rows)
	if len(rows) == 0 {
		t.Fatal("no transactions")
	}
	for _, r := range rows {
		if len(r) != 4 || r["transactionHeadId"] == nil || r["total"] == nil || r["terminalTranDateTime"] == nil || r["depositOthers"] == nil {
			t.Fatalf("fields selection: %v", r)
		}
	}
	if !strings.HasPrefix(string(b), `[{"transactionHeadId":`) {
		t.Fatalf("field order: %.80s", b)
	}
}

// laterSale finds a sale of the contract changed by kind, paid in the day
// before t0 and changed at least ten minutes before it.
func laterSale(t *testing.T, f *fixture, c Contract, kind shop.LaterKind) (ti int, s shop.Sale) {
	t.Helper()
	a, _ := f.srv.lookup(c.ID)
	for ti, reg := range a.regs {
		var found *shop.Sale
		reg.shop.Sales(t0.Add(-30*time.Hour), t0.Add(-time.Hour), func(s shop.Sale) bool {
			if s.Later != nil && s.Later.Kind == kind && s.Later.At.Before(t0.Add(-10*time.Minute)) {
				found = &s
				return false
			}
			return true
		})
		if found != nil {
			return ti, *found
		}
	}
	t.Fatalf("no sale with a later change of kind %d", kind)
	return 0, shop.Sale{}
}

func TestCancelEditAndDisposeAsTheAPIShowsThem(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{Stores: []StoreSpec{{Terminals: 8}, {Terminals: 8}}})
	one := func(id string) map[string]*string {
		t.Helper()
		// A token of the moment: the test moves the clock by days.
		resp, b := get(t, f.client(t, c), f.pos(c, "/transactions/"+id, nil))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET transaction %s: %d %s", id, resp.StatusCode, b)
		}
		var h map[string]*string
		mustJSON(t, b, &h)
		return h
	}
	// Each kind: the state a second before the change, then at t0.
	for _, kind := range []shop.LaterKind{shop.Cancel, shop.Edit, shop.Dispose} {
		ti, s := laterSale(t, f, c, kind)
		id := strconv.FormatInt(headID(s.Minute, ti, s.Index), 10)
		f.clock.Set(s.Later.At.Add(-time.Second))
		before := one(id)
		f.clock.Set(t0)
		after := one(id)
		if str(before["cancelDivision"]) != "0" || str(before["disposeDivision"]) != "0" {
			t.Fatalf("kind %d: changed before the change: %v", kind, before)
		}
		if str(after["updDateTime"]) <= str(before["updDateTime"]) {
			t.Errorf("kind %d: updDateTime %s then %s, want newer", kind, str(before["updDateTime"]), str(after["updDateTime"]))
		}
		if str(after["transactionDateTime"]) != str(before["transactionDateTime"]) {
			t.Errorf("kind %d: transactionDateTime moved", kind)
		}
		switch kind {
		case shop.Cancel:
			if str(after["cancelDivision"]) != "1" || after["cancelDateTime"] == nil || str(after["total"]) != str(before["total"]) {
				t.Errorf("cancel: %s %s total %s→%s", str(after["cancelDivision"]), str(after["cancelDateTime"]), str(before["total"]), str(after["total"]))
			}
		case shop.Edit:
			if str(after["total"]) == str(before["total"]) && str(after["amount"]) == str(before["amount"]) {
				t.Errorf("edit left total %s and amount %s", str(after["total"]), str(after["amount"]))
			}
		case shop.Dispose:
			negID := str(after["disposeServerTransactionHeadId"])
			if str(after["disposeDivision"]) != "1" || negID == "0" || negID == id {
				t.Fatalf("disposed original: division %s link %s", str(after["disposeDivision"]), negID)
			}
			neg := one(negID)
			if str(neg["disposeDivision"]) != "2" || str(neg["disposeServerTransactionHeadId"]) != id ||
				str(neg["total"]) != "-"+str(after["total"]) || str(neg["terminalId"]) != str(after["terminalId"]) {
				t.Fatalf("negating record: %v", neg)
			}
			if negID <= id {
				t.Errorf("negating record's id %s not after the original's %s", negID, id)
			}
			// Both come back from a query on the time of the disposal.
			q := url.Values{
				"upd_date_time-from": {s.Later.At.Format(time.RFC3339)},
				"upd_date_time-to":   {s.Later.At.Add(10 * time.Second).Format(time.RFC3339)},
				"fields":             {"transactionHeadId"},
			}
			_, b := get(t, f.client(t, c), f.pos(c, "/transactions", q))
			if got := string(b); !strings.Contains(got, `"`+id+`"`) || !strings.Contains(got, `"`+negID+`"`) {
				t.Fatalf("updated-since query missed the pair %s/%s: %s", id, negID, got)
			}
			// Before the disposal, the negating record does not exist.
			f.clock.Set(s.Later.At.Add(-time.Second))
			resp, b := get(t, f.client(t, c), f.pos(c, "/transactions/"+negID, nil))
			problemOf(t, resp, b, http.StatusNotFound)
			f.clock.Set(t0)
		}
	}
}

func TestMoneyAddsUp(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{Stores: []StoreSpec{{Terminals: 4}}})
	_, b := get(t, f.client(t, c), f.pos(c, "/transactions", withQ(day(), "limit", "1000")))
	n := func(p *string) int64 { v, _ := strconv.ParseInt(str(p), 10, 64); return v }
	methods := map[string]int{}
	for _, h := range heads(t, b) {
		total, deposit, change := n(h["total"]), n(h["deposit"]), n(h["change"])
		switch {
		case str(h["disposeDivision"]) == "2":
			if total >= 0 || deposit != total || change != 0 {
				t.Errorf("negating record money: total %d deposit %d change %d", total, deposit, change)
			}
			continue
		case n(h["depositCash"]) > 0:
			methods["cash"]++
			if deposit < total || change != deposit-total || n(h["cashTotal"]) != total {
				t.Errorf("cash: total %d deposit %d change %d", total, deposit, change)
			}
		case n(h["depositCredit"]) > 0:
			methods["card"]++
			if n(h["depositCredit"]) != total || deposit != total || change != 0 || h["cardCompany"] == nil {
				t.Errorf("card: total %d depositCredit %s", total, str(h["depositCredit"]))
			}
		default:
			methods["other"]++
			if deposit != total || change != 0 {
				t.Errorf("QR: total %d deposit %d", total, deposit)
			}
		}
		if h["staffName"] == nil || len(str(h["transactionUuid"])) != 13 {
			t.Errorf("staff %s receipt %s", str(h["staffName"]), str(h["transactionUuid"]))
		}
		for _, k := range []string{"transactionDateTime", "terminalTranDateTime", "updDateTime"} {
			if _, err := time.Parse("2006-01-02T15:04:05+09:00", str(h[k])); err != nil {
				t.Errorf("%s %q not YYYY-MM-DDThh:mm:ss+09:00", k, str(h[k]))
			}
		}
		if str(h["transactionDateTime"]) <= str(h["terminalTranDateTime"]) {
			t.Errorf("received %s not after rung up %s", str(h["transactionDateTime"]), str(h["terminalTranDateTime"]))
		}
	}
	if methods["cash"] == 0 || methods["card"] == 0 || methods["other"] == 0 {
		t.Fatalf("payment methods %v", methods)
	}
}

func TestFiltersAndDetails(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	_, b := get(t, cl, f.pos(c, "/transactions", withQ(withQ(day(), "store_id", "2"), "limit", "1000")))
	st2 := heads(t, b)
	for _, h := range st2 {
		if str(h["storeId"]) != "2" {
			t.Fatalf("store_id=2 gave store %s", str(h["storeId"]))
		}
	}
	_, b = get(t, cl, f.pos(c, "/transactions", withQ(withQ(day(), "terminal_id", "1"), "limit", "1000")))
	if t1 := heads(t, b); len(t1) <= len(st2) {
		t.Fatalf("terminal_id=1 (two stores' first registers) gave %d, store 2 alone %d", len(t1), len(st2))
	}
	uuid := str(st2[0]["transactionUuid"])
	_, b = get(t, cl, f.pos(c, "/transactions", withQ(day(), "transaction_uuid", uuid)))
	if hs := heads(t, b); len(hs) != 1 || str(hs[0]["transactionUuid"]) != uuid {
		t.Fatalf("transaction_uuid filter: %s", b)
	}
	_, b = get(t, cl, f.pos(c, "/transactions", withQ(day(), "customer_code", "1")))
	if string(b) != "[]" {
		t.Fatalf("customer_code on shops without members: %s", b)
	}
	id := str(st2[0]["transactionHeadId"])
	q := withQ(withQ(day(), "transaction_head_id-from", id), "transaction_head_id-to", id)
	_, b = get(t, cl, f.pos(c, "/transactions", withQ(q, "with_details", "all")))
	var withDetails []struct {
		TransactionHeadID string `json:"transactionHeadId"`
		Amount            string `json:"amount"`
		Details           []map[string]*string
	}
	mustJSON(t, b, &withDetails)
	if len(withDetails) != 1 || len(withDetails[0].Details) == 0 {
		t.Fatalf("id range with details: %s", b)
	}
	var qty int64
	for _, d := range withDetails[0].Details {
		v, _ := strconv.ParseInt(str(d["quantity"]), 10, 64)
		qty += v
		if str(d["transactionHeadId"]) != id {
			t.Fatalf("detail of another head: %v", d)
		}
	}
	if strconv.FormatInt(qty, 10) != withDetails[0].Amount {
		t.Fatalf("details add up to %d items, head says %s", qty, withDetails[0].Amount)
	}
	_, b = get(t, cl, f.pos(c, "/transactions/"+id, url.Values{"with_details": {"summary"}}))
	if !strings.Contains(string(b), `"details":[{"transactionHeadId"`) || strings.Contains(string(b), `"categoryName"`) {
		t.Fatalf("summary details: %.300s", b)
	}
	for _, bad := range []string{"1", "abc", "999999999999"} {
		resp, b := get(t, cl, f.pos(c, "/transactions/"+bad, nil))
		problemOf(t, resp, b, http.StatusNotFound)
	}
}

func TestStoresAndTerminals(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	resp, b := get(t, cl, f.pos(c, "/stores", nil))
	stores := heads(t, b)
	if resp.StatusCode != 200 || len(stores) != 2 || str(stores[1]["storeId"]) != "2" || str(stores[0]["storeName"]) != c.Stores[0].Name {
		t.Fatalf("stores: %d %s", resp.StatusCode, b)
	}
	_, b = get(t, cl, f.pos(c, "/stores/2", nil))
	if !strings.HasPrefix(string(b), `{"storeId":"2"`) {
		t.Fatalf("store 2: %.100s", b)
	}
	_, b = get(t, cl, f.pos(c, "/terminals", nil))
	terms := heads(t, b)
	var keys []string
	for _, h := range terms {
		keys = append(keys, str(h["storeId"])+"/"+str(h["terminalId"]))
		if len(str(h["uuid"])) > 40 || h["terminalName"] == nil {
			t.Fatalf("terminal %v", h)
		}
	}
	// Terminal IDs are per store: (storeId, terminalId) is the key.
	if strings.Join(keys, " ") != "1/1 1/2 2/1" {
		t.Fatalf("terminals %v", keys)
	}
	_, b = get(t, cl, f.pos(c, "/terminals", url.Values{"store_id": {"2"}}))
	if len(heads(t, b)) != 1 {
		t.Fatalf("terminals of store 2: %s", b)
	}
	resp, b = get(t, cl, f.pos(c, "/terminals", url.Values{"limit": {"2"}}))
	if len(heads(t, b)) != 2 || !strings.Contains(resp.Header.Get("Link"), "page=2") {
		t.Fatalf("terminals page of 2: Link %q", resp.Header.Get("Link"))
	}
}

func TestScopesAndContracts(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{Scopes: []string{"pos.transactions:read", "pos.stores:read", "pos.staffs:read"}})
	other := f.contract(t, ContractSpec{})
	txOnly := f.oauth(c, "pos.transactions:read").Client(t.Context())
	storesOnly := f.oauth(c, "pos.stores:read").Client(t.Context())
	staffsOnly := f.oauth(c, "pos.staffs:read").Client(t.Context())

	resp, b := get(t, storesOnly, f.pos(c, "/transactions", day()))
	problemOf(t, resp, b, http.StatusForbidden)
	resp, b = get(t, txOnly, f.pos(c, "/stores", nil))
	problemOf(t, resp, b, http.StatusForbidden)
	resp, b = get(t, txOnly, f.pos(c, "/terminals", nil))
	problemOf(t, resp, b, http.StatusForbidden)
	if resp, _ := get(t, staffsOnly, f.pos(c, "/terminals", nil)); resp.StatusCode != 200 {
		t.Fatalf("terminals with pos.staffs:read: %d", resp.StatusCode)
	}
	// A token of one contract on another contract's path: 404.
	resp, b = get(t, txOnly, f.pos(other, "/transactions", day()))
	problemOf(t, resp, b, http.StatusNotFound)
	resp, b = get(t, txOnly, f.ts.URL+"/"+c.ID+"/pos/nothing")
	problemOf(t, resp, b, http.StatusNotFound)
	resp, b = get(t, http.DefaultClient, f.pos(c, "/stores", nil))
	problemOf(t, resp, b, http.StatusUnauthorized)
}

func TestPerContractRateLimit(t *testing.T) {
	f := newFixture(t, Config{RateLimit: DefaultRateLimit})
	a := f.contract(t, ContractSpec{})
	b := f.contract(t, ContractSpec{})
	ca, cb := f.client(t, a), f.client(t, b)
	// The token request is the first of the frozen second's ten.
	for i := 2; i <= DefaultRateLimit; i++ {
		if resp, body := get(t, ca, f.pos(a, "/stores", nil)); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := get(t, ca, f.pos(a, "/stores", nil))
	problemOf(t, resp, body, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if resp, _ := get(t, cb, f.pos(b, "/stores", nil)); resp.StatusCode != 200 {
		t.Fatalf("another contract was limited: %d", resp.StatusCode)
	}
	f.clock.Advance(time.Second)
	if resp, _ := get(t, ca, f.pos(a, "/stores", nil)); resp.StatusCode != 200 {
		t.Fatalf("next second: %d", resp.StatusCode)
	}
	// A contract's own limit.
	if err := f.srv.SetRateLimit(b.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	get(t, cb, f.pos(b, "/stores", nil))
	get(t, cb, f.pos(b, "/stores", nil))
	if resp, _ := get(t, cb, f.pos(b, "/stores", nil)); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third request at 2/s: %d", resp.StatusCode)
	}
}

func TestInjectedFaults(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	get(t, cl, f.pos(c, "/stores", nil))
	f.srv.Faults().AddDowntime(t0, t0.Add(time.Hour))
	resp, b := get(t, cl, f.pos(c, "/stores", nil))
	problemOf(t, resp, b, http.StatusServiceUnavailable)
	if _, err := f.oauth(c).Token(t.Context()); err == nil {
		t.Fatal("token endpoint answered during downtime")
	}
	if r, _ := get(t, http.DefaultClient, f.ts.URL+"/_sim/"); r.StatusCode != 200 {
		t.Fatalf("control endpoints must stay up: %d", r.StatusCode)
	}
	f.clock.Advance(time.Hour)
	cl = f.client(t, c) // the first token expired with the downtime
	if resp, _ := get(t, cl, f.pos(c, "/stores", nil)); resp.StatusCode != 200 {
		t.Fatalf("after the downtime: %d", resp.StatusCode)
	}
	f.srv.Faults().Burst(1, 3*time.Second)
	resp, b = get(t, cl, f.pos(c, "/stores", nil))
	problemOf(t, resp, b, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("burst Retry-After %q", resp.Header.Get("Retry-After"))
	}
}
