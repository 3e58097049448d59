package smaregi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A transaction the shop deletes vanishes from the list (whatever range is
// asked), from GET /transactions/{id} and from the legacy API; its
// updDateTime never shows it, and the rest stay as they were.
func TestDeleteTransaction(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	list := func(q url.Values) []string {
		t.Helper()
		q.Set("limit", "1000")
		q.Set("fields", "transactionHeadId")
		resp, b := get(t, cl, f.pos(c, "/transactions", q))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var ids []string
		for _, h := range heads(t, b) {
			ids = append(ids, str(h["transactionHeadId"]))
		}
		return ids
	}
	upd := url.Values{
		"upd_date_time-from": {t0.Add(-48 * time.Hour).Format(time.RFC3339)},
		"upd_date_time-to":   {t0.Format(time.RFC3339)},
	}
	before, beforeUpd := list(day()), list(upd)
	if len(before) < 10 {
		t.Fatalf("only %d transactions in a day", len(before))
	}
	victim := before[len(before)/2]
	id, _ := strconv.ParseInt(victim, 10, 64)
	if st, b := admin(t, f, "DELETE", "/_sim/contracts/"+c.ID+"/transactions/"+victim, ""); st != http.StatusNoContent {
		t.Fatalf("delete: %d %s", st, b)
	}
	after, afterUpd := list(day()), list(upd)
	if len(after) != len(before)-1 || strings.Contains(","+strings.Join(after, ",")+",", ","+victim+",") {
		t.Fatalf("after deleting %s: %d of %d left", victim, len(after), len(before))
	}
	if len(afterUpd) != len(beforeUpd)-1 {
		t.Fatalf("upd_date_time range: %d, before %d", len(afterUpd), len(beforeUpd))
	}
	if resp, b := get(t, cl, f.pos(c, "/transactions/"+victim, nil)); resp.StatusCode != 404 {
		t.Fatalf("GET deleted: %d %s", resp.StatusCode, b)
	}
	// Nothing about the deletion moves the clock of any record: a minute
	// later, the records updated since are those of a twin that deleted
	// nothing.
	twin := newFixture(t, Config{})
	tc := twin.contract(t, ContractSpec{})
	f.clock.Advance(time.Minute)
	twin.clock.Advance(time.Minute)
	since := url.Values{
		"upd_date_time-from": {t0.Add(-time.Second).Format(time.RFC3339)},
		"upd_date_time-to":   {f.clock.Now().Format(time.RFC3339)},
	}
	got := list(since)
	q := since
	q.Set("limit", "1000")
	q.Set("fields", "transactionHeadId")
	resp, tb := get(t, twin.client(t, tc), twin.pos(tc, "/transactions", q))
	if resp.StatusCode != 200 || len(heads(t, tb)) != len(got) {
		t.Fatalf("updated in the minute after the deletion: %v; in the twin: %s", got, tb)
	}
	// The legacy API does not show it either.
	st, b := legacyCall(t, f, c.ID, c.LegacyAccessToken, "transaction_ref",
		`{"table_name":"TransactionHead","fields":["transactionHeadId"],"conditions":[{"transactionHeadId >=":"`+victim+`"},{"transactionHeadId <=":"`+victim+`"},{"terminalTranDateTime >=":"2026-01-18 00:00:00"}]}`, true)
	if st != 200 || !strings.Contains(string(b), `"result":[]`) {
		t.Fatalf("legacy shows the deleted record: %s", b)
	}
	// Once only, and only what exists.
	if err := f.srv.DeleteTransaction(c.ID, id); err == nil {
		t.Fatal("deleted twice")
	}
	if st, _ := admin(t, f, "DELETE", "/_sim/contracts/"+c.ID+"/transactions/999", ""); st != 404 {
		t.Fatalf("unknown transaction: %d", st)
	}
	if st, _ := admin(t, f, "DELETE", "/_sim/contracts/nope/transactions/"+victim, ""); st != 404 {
		t.Fatalf("unknown contract: %d", st)
	}
	// A later change of the contract keeps the deletion.
	if err := f.srv.SetRateLimit(c.ID, 50); err != nil {
		t.Fatal(err)
	}
	if ids := list(day()); len(ids) != len(after) {
		t.Fatalf("deletion lost by another change: %d", len(ids))
	}
}
