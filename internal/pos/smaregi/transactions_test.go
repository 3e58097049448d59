package smaregi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// answer serves body for every request and keeps the last request's form
// and query.
type answer struct {
	query url.Values
	form  url.Values
}

func serveBody(t *testing.T, body string) (*smaregi.Client, *answer) {
	t.Helper()
	a := &answer{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.query = r.URL.Query()
		_ = r.ParseForm()
		a.form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, body)
	}))
	t.Cleanup(ts.Close)
	now := func() time.Time { return after }
	return smaregi.New(smaregi.Config{APIBaseURL: ts.URL, LegacyBaseURL: ts.URL, Now: now}), a
}

// head is a Platform API head with the fields given replacing its own.
func head(id int, replace ...string) string {
	h := fmt.Sprintf(`{"transactionHeadId":"%d","transactionHeadDivision":"1","cancelDivision":"0","disposeDivision":"0","returnSales":"0",`+
		`"total":"1100","deposit":"2000","depositCash":"2000","depositCredit":"0","change":"900","storeId":"1","terminalId":"2",`+
		`"staffName":"佐藤","transactionUuid":"0102000000123","terminalTranDateTime":"2026-11-23T11:00:00+09:00","updDateTime":"2026-11-23T11:00:0%d+09:00"}`, id, id%10)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(h, replace[i]) {
			panic("no " + replace[i])
		}
		h = strings.Replace(h, replace[i], replace[i+1], 1)
	}
	return h
}

var window = smaregi.TransactionsQuery{By: smaregi.ByUpdate,
	From: time.Date(2026, 11, 23, 11, 0, 0, 0, jst), To: time.Date(2026, 11, 23, 12, 0, 0, 0, jst)}

func TestTransactionsAsksAndReads(t *testing.T) {
	qr := `,"depositOthers":[{"transactionHeadId":"3","no":"1","paymentMethodId":"1","paymentMethodName":"QRコード決済","depositOthers":"1100"}]`
	body := "[" + strings.Join([]string{
		head(1),
		head(2, `"cancelDivision":"0"`, `"cancelDivision":"1"`, `"depositCash":"2000","depositCredit":"0"`, `"depositCash":"0","depositCredit":"1100"`),
		head(3, `"depositCash":"2000"`, `"depositCash":"0"`, `"updDateTime":"2026-11-23T11:00:03+09:00"}`, `"updDateTime":"2026-11-23T11:00:03+09:00"`+qr+`}`),
		head(4, `"disposeDivision":"0"`, `"disposeDivision":"2"`, `"total":"1100","deposit":"2000","depositCash":"2000"`, `"total":"-1100","deposit":"-1100","depositCash":"-1100"`, `"change":"900"`, `"change":"0"`),
		head(5, `"transactionHeadDivision":"1"`, `"transactionHeadDivision":"2"`),
		head(6, `"staffName":"佐藤"`, `"staffName":null`),
	}, ",") + "]"
	c, a := serveBody(t, body)
	recs, err := c.Transactions(context.Background(), "sk1", "tok", window)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"limit": {"1000"}, "page": {"1"}, "sort": {"updDateTime,transactionHeadId"}, "with_deposit_others": {"all"},
		"upd_date_time-from": {"2026-11-23T11:00:00+09:00"}, "upd_date_time-to": {"2026-11-23T12:00:00+09:00"}}
	if a.query.Encode() != want.Encode() {
		t.Errorf("query %s\nwant  %s", a.query.Encode(), want.Encode())
	}
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	got := func(i int) pos.Transaction { return recs[i].Transaction }
	if tx := got(0); tx.ID != "1" || tx.TerminalKey != "1:2" || tx.Kind != pos.Payment || tx.Total != 1100 || tx.Deposit != 2000 ||
		tx.Change != 900 || tx.PaymentMethod != "現金" || tx.Staff != "佐藤" || tx.ReceiptNo != "0102000000123" ||
		tx.SoldAt.Format(time.RFC3339) != "2026-11-23T11:00:00+09:00" || !strings.HasPrefix(string(tx.Raw), `{"transactionHeadId":"1",`) {
		t.Errorf("cash sale %+v", tx)
	}
	if _, off := got(0).SoldAt.Zone(); off != 9*3600 {
		t.Errorf("the register's offset is lost: %v", got(0).SoldAt)
	}
	if tx := got(1); tx.Kind != pos.Cancel || tx.PaymentMethod != "クレジット" {
		t.Errorf("cancelled card sale %+v", tx)
	}
	if tx := got(2); tx.PaymentMethod != "QRコード決済" {
		t.Errorf("QR sale %+v", tx)
	}
	if tx := got(3); tx.Kind != pos.Cancel || tx.Total != -1100 {
		t.Errorf("negating record %+v", tx)
	}
	if recs[4].Sale || recs[4].Transaction.ID != "" || !recs[5].Sale || got(5).Staff != "" {
		t.Errorf("入金 %+v; no staff %+v", recs[4], got(5))
	}

	// The rest of a second, by id; ids only.
	c, a = serveBody(t, "["+head(7, `"updDateTime":"2026-11-23T11:00:07+09:00"`, `"updDateTime":"2026-11-23T11:00:00+09:00"`)+"]")
	q := smaregi.TransactionsQuery{By: smaregi.ByUpdate, From: window.From, To: window.From, AfterID: 6, Limit: 10, IDsOnly: true}
	recs, err = c.Transactions(context.Background(), "sk1", "tok", q)
	if err != nil || len(recs) != 1 || recs[0].ID != 7 || recs[0].Transaction.ID != "" {
		t.Fatalf("%+v, %v", recs, err)
	}
	if a.query.Get("transaction_head_id-from") != "7" || a.query.Get("sort") != "transactionHeadId" || a.query.Get("limit") != "10" ||
		a.query.Get("fields") != "transactionHeadId,transactionHeadDivision,terminalTranDateTime,updDateTime" || a.query.Has("with_deposit_others") {
		t.Errorf("query %s", a.query.Encode())
	}
}

// Queries the API would refuse are the caller's bug, not a provider's
// failure.
func TestTransactionsQueryChecks(t *testing.T) {
	c, _ := serveBody(t, "[]")
	for name, q := range map[string]smaregi.TransactionsQuery{
		"no range":     {From: window.From, To: window.To},
		"32 days":      {By: smaregi.ByUpdate, From: window.From, To: window.From.Add(smaregi.MaxRange + time.Second)},
		"backwards":    {By: smaregi.BySale, From: window.To, To: window.From},
		"id in a span": {By: smaregi.ByUpdate, From: window.From, To: window.To, AfterID: 3},
		"limit":        {By: smaregi.ByUpdate, From: window.From, To: window.To, Limit: 1001},
	} {
		if _, err := c.Transactions(context.Background(), "sk1", "tok", q); err == nil || pos.ClassOf(err) != 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.Transactions(context.Background(), "sk1", "tok", smaregi.TransactionsQuery{By: smaregi.ByUpdate,
		From: window.From, To: window.From.Add(smaregi.MaxRange)}); err != nil {
		t.Errorf("31 days: %v", err)
	}
}

// Every way a page can be wrong fails it whole as Malformed, saying why.
func TestTransactionsRefuseMalformedPages(t *testing.T) {
	list := func(hs ...string) string { return "[" + strings.Join(hs, ",") + "]" }
	cases := map[string]struct{ body, reason string }{
		"not a list":      {head(1), "not a list of transactions"},
		"truncated":       {list(head(1))[:50], "not a list of transactions"},
		"number":          {list(head(1, `"total":"1100"`, `"total":1100`)), "cannot unmarshal number"},
		"bad id":          {list(head(1, `"transactionHeadId":"1"`, `"transactionHeadId":"0x1"`)), "transactionHeadId"},
		"no time":         {list(head(1, `"terminalTranDateTime":"2026-11-23T11:00:00+09:00",`, ``)), "no terminalTranDateTime"},
		"no offset":       {list(head(1, `"terminalTranDateTime":"2026-11-23T11:00:00+09:00"`, `"terminalTranDateTime":"2026-11-23 11:00:00"`)), "with its offset"},
		"year 9999":       {list(head(1, `"terminalTranDateTime":"2026`, `"terminalTranDateTime":"9999`)), "not a plausible time"},
		"no division":     {list(head(1, `"transactionHeadDivision":"1",`, ``)), "no transactionHeadDivision"},
		"no total":        {list(head(1, `"total":"1100",`, ``)), "no total"},
		"negative total":  {list(head(1, `"total":"1100"`, `"total":"-1100"`)), "negative amount"},
		"negative change": {list(head(1, `"change":"900"`, `"change":"-900"`)), "negative amount"},
		"fraction":        {list(head(1, `"total":"1100"`, `"total":"1100.5"`)), "not an amount of yen"},
		"absurd":          {list(head(1, `"total":"1100"`, `"total":"20000000000"`)), "not a plausible amount"},
		"odd division":    {list(head(1, `"cancelDivision":"0"`, `"cancelDivision":"7"`)), "not the API's"},
		"bad register":    {list(head(1, `"terminalId":"2"`, `"terminalId":"-2"`)), "not a register"},
		"bad other":       {list(head(1, `"staffName"`, `"depositOthers":[{"paymentMethodName":"x","depositOthers":"abc"}],"staffName"`)), "その他支払 1"},
		"outside range":   {list(head(1, `"updDateTime":"2026-11-23T11:00:01+09:00"`, `"updDateTime":"2026-11-23T13:00:00+09:00"`)), "outside the range"},
		"out of order":    {list(head(2), head(1)), "not sorted"},
		"duplicate":       {list(head(1), head(1)), "not sorted"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := serveBody(t, tc.body)
			recs, err := c.Transactions(context.Background(), "sk1", "tok", window)
			e, ok := pos.AsError(err)
			if !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, tc.reason) {
				t.Fatalf("error %v, want Malformed saying %q", err, tc.reason)
			}
			if recs != nil {
				t.Fatalf("a refused page returned %d records", len(recs))
			}
		})
	}
	c, _ := serveBody(t, "["+strings.Repeat(head(1)+",", 4)+head(1)+"]")
	q := window
	q.Limit = 4
	if _, err := c.Transactions(context.Background(), "sk1", "tok", q); !strings.Contains(fmt.Sprint(err), "5 records on a page of 4") {
		t.Fatalf("too many: %v", err)
	}
}

// The legacy API's heads (two real rows, from the simulator's testdata,
// Apache-2.0) read into the same transactions: change spelled charge, no
// offset (JST), その他支払 flattened.
func TestLegacyTransactionsReadRealRows(t *testing.T) {
	b, err := os.ReadFile("../../sim/smaregi/testdata/legacy/transaction_head.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample struct {
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &sample); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		id, key, sold string
		kind          pos.Kind
		total         int64
	}{
		{"104", "4:4", "2018-09-02T13:34:32+09:00", pos.Payment, 28080},
		{"1", "2:3", "2018-07-24T00:24:50+09:00", pos.Cancel, 74520}, // 打消元
	} {
		body := `{"total_count":"1","result":[` + string(sample.Result[i]) + `]}`
		c, a := serveBody(t, body)
		sold, _ := time.Parse(time.RFC3339, want.sold)
		q := smaregi.TransactionsQuery{By: smaregi.BySale, From: sold.Add(-time.Hour), To: sold.Add(time.Hour)}
		recs, err := c.LegacyTransactions(context.Background(), "sk1", "tok", q)
		if err != nil {
			t.Fatal(err)
		}
		tx := recs[0].Transaction
		if tx.ID != want.id || tx.TerminalKey != want.key || tx.SoldAt.Format(time.RFC3339) != want.sold || tx.Kind != want.kind ||
			tx.Total != want.total || tx.Deposit != want.total || tx.PaymentMethod != "現金" || tx.ReceiptNo == "" {
			t.Errorf("row %d: %+v", i, tx)
		}
		var params map[string]any
		if err := json.Unmarshal([]byte(a.form.Get("params")), &params); err != nil || a.form.Get("proc_name") != "transaction_ref" {
			t.Fatalf("form %v", a.form)
		}
		if got := fmt.Sprint(params["conditions"], params["order"], params["limit"]); !strings.Contains(got, "terminalTranDateTime >=") ||
			!strings.Contains(got, "[terminalTranDateTime transactionHeadId] 1000") {
			t.Errorf("params %s", got)
		}
	}
	// A count smaller than the rows is not the legacy API's answer.
	c, _ := serveBody(t, `{"total_count":"0","result":[`+string(sample.Result[0])+`]}`)
	_, err = c.LegacyTransactions(context.Background(), "sk1", "tok", smaregi.TransactionsQuery{By: smaregi.BySale,
		From: time.Date(2018, 9, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2018, 9, 3, 0, 0, 0, 0, time.UTC)})
	if e, ok := pos.AsError(err); !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, "total_count") {
		t.Fatalf("count: %v", err)
	}
}
