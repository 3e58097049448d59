package ubiregi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// serve answers every request with body, and records the last query.
func serve(t *testing.T, body string) (*ubiregi.Client, *string) {
	t.Helper()
	var query string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, strings.ReplaceAll(body, "BASE", "http://"+r.Host))
	}))
	t.Cleanup(ts.Close)
	return ubiregi.New(ubiregi.Config{BaseURL: ts.URL, Now: func() time.Time { return time.Date(2022, 6, 26, 0, 0, 0, 0, time.UTC) }}), &query
}

// The real 2022 answer (testdata of the simulator, from s-takano/ubiapi,
// MIT) reads whole: 26 checkouts, deposits that add up, deleted ones
// without payments.
func TestCheckoutsReadTheRealAnswer(t *testing.T) {
	real, err := os.ReadFile("../../sim/ubiregi/testdata/resp_checkouts.json")
	if err != nil {
		t.Fatal(err)
	}
	c, query := serve(t, string(real))
	since := time.Date(2022, 6, 25, 11, 0, 0, 500, time.UTC)
	page, err := c.Checkouts(context.Background(), "tok", ubiregi.CheckoutsQuery{AccountID: 36872, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if *query != "limit=100&since=2022-06-25T11%3A00%3A00Z" {
		t.Errorf("query %s", *query)
	}
	if len(page.Checkouts) != 26 || page.Next != nil || page.Timestamp.Format(time.RFC3339) != "2022-06-25T14:50:16Z" ||
		page.LastUpdatedAt.Format(time.RFC3339) != "2022-06-25T14:50:15Z" {
		t.Fatalf("page: %d checkouts, next %v, timestamp %v, last %v", len(page.Checkouts), page.Next, page.Timestamp, page.LastUpdatedAt)
	}
	co := page.Checkouts[21]
	if co.ID != 285645414 || co.Status != ubiregi.StatusClose || co.Price != 19720 || co.Change != 30 || co.Deposit() != 19750 ||
		co.DeviceID != "FC8353FB-4FF0-44FE-BBDB-1F8B636E1443" || !strings.Contains(string(real), string(co.Raw)) ||
		!strings.HasPrefix(string(co.Raw), "{\n            \"id\": 285645414,") {
		t.Fatalf("checkout %d %s %d %d %d %s, raw %.60q", co.ID, co.Status, co.Price, co.Change, co.Deposit(), co.DeviceID, co.Raw)
	}
	dir, err := ubiregi.NewDirectory(ubiregi.Account{Timezone: "Asia/Tokyo",
		Devices:      []ubiregi.Device{{GUID: "fc8353fb-4ff0-44fe-bbdb-1f8b636e1443", Name: "レジ"}},
		Cashiers:     []ubiregi.Named{{ID: 167226, Name: "レジ1"}},
		PaymentTypes: []ubiregi.Named{{ID: 207227, Name: "現金"}, {ID: 207228, Name: "カード"}}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[pos.Kind]int{}
	for _, co := range page.Checkouts {
		if !dir.Knows(co) {
			t.Fatalf("checkout %d refers to an id the account names not", co.ID)
		}
		tx, ok := dir.Transaction(co)
		if !ok {
			t.Fatalf("checkout %d dropped", co.ID)
		}
		kinds[tx.Kind]++
		// The account's spelling of the device is the terminal key.
		if tx.TerminalKey != "fc8353fb-4ff0-44fe-bbdb-1f8b636e1443" || tx.SoldAt.Location().String() != "Asia/Tokyo" {
			t.Fatalf("checkout %d: key %q, sold at %v", co.ID, tx.TerminalKey, tx.SoldAt)
		}
	}
	if kinds[pos.Delete] != 21 || kinds[pos.Payment] != 5 {
		t.Fatalf("kinds %v", kinds)
	}
	tx, _ := dir.Transaction(page.Checkouts[22])
	if tx.ID != "285646173" || tx.Staff != "レジ1" || tx.PaymentMethod != "現金" || tx.Total != 3300 || tx.Deposit != 3500 ||
		tx.Change != 200 || tx.SoldAt.Format(time.DateTime) != "2022-06-25 21:23:10" || tx.ReceiptNo != "" {
		t.Fatalf("transaction %+v", tx)
	}
}

// envelope wraps checkouts in the collection's envelope.
func envelope(next string, checkouts ...string) string {
	n := "null"
	if next != "" {
		n = `"` + next + `"`
	}
	return `{"timestamp":"2022-06-25T14:50:16Z","next_batch_since":"2022-06-25T14:50:16Z","last_updated_at":"2022-06-25T14:50:15Z","next-url":` +
		n + `,"checkouts":[` + strings.Join(checkouts, ",") + `]}`
}

// checkout is a closed checkout with the id and the fields given
// replacing its own.
func checkout(id int, replace ...string) string {
	c := fmt.Sprintf(`{"id":%d,"guid":"G","device_id":"D-1","status":"close","paid_at":"2022-06-25T12:20:07Z","updated_at":"2022-06-25T12:20:09Z","price":"100.0","change":"0.0","cashier_id":null,"payments":[{"payment_type_id":7,"amount":"100.0"}]}`, id)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(c, replace[i]) {
			panic("no " + replace[i])
		}
		c = strings.Replace(c, replace[i], replace[i+1], 1)
	}
	return c
}

// Every way a page can be wrong fails it as Malformed with a reason in
// words, returning nothing of it.
func TestCheckoutsRefuseMalformedPages(t *testing.T) {
	cases := map[string]struct{ body, reason string }{
		"truncated":        {envelope("", checkout(1))[:120], "not the API's JSON"},
		"not an envelope":  {`[` + checkout(1) + `]`, "not the API's JSON"},
		"no checkouts":     {`{"timestamp":"2022-06-25T14:50:16Z"}`, "not the collection's envelope"},
		"string id":        {envelope("", checkout(1, `"id":1`, `"id":"1"`)), "cannot unmarshal string"},
		"number price":     {envelope("", checkout(1, `"price":"100.0"`, `"price":100`)), "cannot unmarshal number"},
		"no device":        {envelope("", checkout(1, `"device_id":"D-1",`, ``)), "no device_id"},
		"no updated_at":    {envelope("", checkout(1, `"updated_at":"2022-06-25T12:20:09Z",`, ``)), "no updated_at"},
		"no payments":      {envelope("", checkout(1, `,"payments":[{"payment_type_id":7,"amount":"100.0"}]`, ``)), "no payments"},
		"no paid_at":       {envelope("", checkout(1, `"paid_at":"2022-06-25T12:20:07Z",`, ``)), "without paid_at"},
		"unknown status":   {envelope("", checkout(1, `"close"`, `"closed"`)), `status "closed"`},
		"negative total":   {envelope("", checkout(1, `"price":"100.0"`, `"price":"-100.0"`)), "negative price"},
		"fraction":         {envelope("", checkout(1, `"price":"100.0"`, `"price":"100.5"`)), "not an amount of yen"},
		"absurd amount":    {envelope("", checkout(1, `"price":"100.0"`, `"price":"99999999999999.0"`)), "not a plausible amount"},
		"year 9999":        {envelope("", checkout(1, `"paid_at":"2022`, `"paid_at":"9999`)), "not a plausible time"},
		"year 1970":        {envelope("", checkout(1, `"updated_at":"2022`, `"updated_at":"1970`)), "not a plausible time"},
		"bad timestamp":    {strings.Replace(envelope(""), `"timestamp":"2022-06-25T14:50:16Z"`, `"timestamp":"yesterday"`, 1), "timestamp"},
		"negative payment": {envelope("", checkout(1, `"amount":"100.0"`, `"amount":"-5.0"`)), "payment 1"},
		"unsorted":         {envelope("", checkout(5), checkout(3)), "not sorted by id"},
		"duplicate":        {envelope("", checkout(5), checkout(5)), "not sorted by id"},
		"next after none":  {envelope("BASE/api/3/accounts/9/checkouts?glb=1"), "next-url after an empty page"},
		"next elsewhere":   {envelope("http://evil.example/api/3/accounts/9/checkouts?glb=1", checkout(1)), "is not this collection"},
		"next other glb":   {envelope("BASE/api/3/accounts/9/checkouts?glb=7", checkout(1)), "glb"},
		"next later until": {envelope("BASE/api/3/accounts/9/checkouts?glb=1&until=2030-01-01T00:00:00Z", checkout(1)), "until"},
		"updated too late": {envelope("", checkout(1, `"updated_at":"2022-06-25T12:20:09Z"`, `"updated_at":"2022-06-25T13:00:00Z"`)), "not before until"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := serve(t, tc.body)
			page, err := c.Checkouts(context.Background(), "tok", ubiregi.CheckoutsQuery{AccountID: 9,
				Until: time.Date(2022, 6, 25, 12, 30, 0, 0, time.UTC)})
			e, ok := pos.AsError(err)
			if !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, tc.reason) {
				t.Fatalf("error %v, want Malformed saying %q", err, tc.reason)
			}
			if page.Checkouts != nil || page.Next != nil {
				t.Fatalf("a refused page returned %+v", page)
			}
		})
	}
	// A page larger than asked for is no page of the API.
	var many []string
	for i := range 11 {
		many = append(many, checkout(i+1))
	}
	c, _ := serve(t, envelope("", many...))
	_, err := c.Checkouts(context.Background(), "tok", ubiregi.CheckoutsQuery{AccountID: 9, Limit: 10})
	if e, ok := pos.AsError(err); !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, "11 checkouts on a page of 10") {
		t.Fatalf("too many: %v", err)
	}
}

// next-url becomes the next query: the window pinned at its until (or at
// the timestamp), glb at the page's last id. An open checkout is read but
// is no transaction yet.
func TestCheckoutsNextQuery(t *testing.T) {
	c, _ := serve(t, envelope("BASE/api/3/accounts/9/checkouts/?glb=2&since=2022-06-25T00%3A00%3A00Z&until=2022-06-25T14%3A00%3A00Z",
		checkout(1), checkout(2, `"close"`, `"open"`, `"paid_at":"2022-06-25T12:20:07Z"`, `"paid_at":null`)))
	since := time.Date(2022, 6, 25, 0, 0, 0, 0, time.UTC)
	page, err := c.Checkouts(context.Background(), "tok", ubiregi.CheckoutsQuery{AccountID: 9, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	want := ubiregi.CheckoutsQuery{AccountID: 9, Since: since, Until: time.Date(2022, 6, 25, 14, 0, 0, 0, time.UTC), GLB: 2, Limit: 100}
	if page.Next == nil || *page.Next != want {
		t.Fatalf("next %+v, want %+v", page.Next, want)
	}
	dir, _ := ubiregi.NewDirectory(ubiregi.Account{})
	if _, ok := dir.Transaction(page.Checkouts[1]); ok || page.Checkouts[1].Status != ubiregi.StatusOpen {
		t.Fatal("an open checkout became a transaction")
	}
	if dir.Knows(page.Checkouts[0]) {
		t.Fatal("an empty directory knows device D-1")
	}
	tx, ok := dir.Transaction(page.Checkouts[0])
	if !ok || tx.TerminalKey != "D-1" || tx.PaymentMethod != "" || tx.SoldAt.Location().String() != "Asia/Tokyo" {
		t.Fatalf("unknown names: %+v", tx)
	}
	// Without until in next-url, the window ends at the timestamp.
	c, _ = serve(t, envelope("BASE/api/3/accounts/9/checkouts?glb=1", checkout(1)))
	page, err = c.Checkouts(context.Background(), "tok", ubiregi.CheckoutsQuery{AccountID: 9})
	if err != nil || page.Next.Until != page.Timestamp || page.Next.GLB != 1 {
		t.Fatalf("next %+v, %v", page.Next, err)
	}
	if _, err := ubiregi.NewDirectory(ubiregi.Account{Timezone: "Mars/Olympus"}); pos.ClassOf(err) != pos.Malformed {
		t.Fatalf("unknown zone: %v", err)
	}
}
