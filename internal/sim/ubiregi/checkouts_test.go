package ubiregi

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// walk follows next-url from the first URL to the end and returns the
// pages.
func walk(t *testing.T, f *fixture, token, first string) []page {
	t.Helper()
	var pages []page
	for u := first; ; {
		resp, body := apiCall(t, u, token, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		p := decodePage(t, body)
		pages = append(pages, p)
		if p.NextURL == nil {
			return pages
		}
		if !strings.HasPrefix(*p.NextURL, f.ts.URL+"/api/3/") {
			t.Fatalf("next-url %s is not absolute on the simulator's address", *p.NextURL)
		}
		u = *p.NextURL
		if len(pages) > 1000 {
			t.Fatal("next-url never ends")
		}
	}
}

// expectedIDs computes by brute force which checkouts the window holds.
func expectedIDs(f *fixture, since, until, now time.Time) []int64 {
	st := newStore(f.sim.cfg.Seed, f.acct)
	var ids []int64
	for d, term := range st.terms {
		term.Sales(since.Add(-4*time.Hour), until, func(s shop.Sale) bool {
			if v := st.viewAt(d, s, now); !v.updated.Before(since) && v.updated.Before(until) && v.updated.Before(now) {
				ids = append(ids, v.id)
			}
			return true
		})
	}
	slices.Sort(ids)
	return ids
}

func TestPagingBusyDay(t *testing.T) {
	f := newFixture(t, 8)
	f.clock.Set(day.Add(31 * time.Hour)) // 07:00 the next morning
	tok := f.token()
	since, until := day, day.Add(24*time.Hour)
	first := f.ts.URL + "/api/3/accounts/" + itoa(f.acct.ID) + "/checkouts?" + url.Values{"since": {utc(since)}, "until": {utc(until)}}.Encode()
	pages := walk(t, f, tok.AccessToken, first)

	var ids []int64
	statuses := map[string]int{}
	for i, p := range pages {
		if p.Timestamp != utc(until) || p.NextBatchSince != p.Timestamp {
			t.Fatalf("page %d: timestamp %s, next_batch_since %s; want both %s", i, p.Timestamp, p.NextBatchSince, utc(until))
		}
		if p.LastUpdatedAt == nil || mustTime(t, *p.LastUpdatedAt).After(f.clock.Now()) {
			t.Fatalf("page %d: last_updated_at %v", i, p.LastUpdatedAt)
		}
		if last := i == len(pages)-1; !last && len(p.Checkouts) != 100 {
			t.Fatalf("page %d of %d holds %d checkouts, want 100", i, len(pages), len(p.Checkouts))
		}
		if p.NextURL != nil {
			nu, _ := url.Parse(*p.NextURL)
			q := nu.Query()
			if q.Get("glb") != itoa(p.Checkouts[len(p.Checkouts)-1].ID) || q.Get("since") != utc(since) || q.Get("until") != utc(until) {
				t.Fatalf("next-url %s", *p.NextURL)
			}
		}
		for _, c := range p.Checkouts {
			ids = append(ids, c.ID)
			statuses[c.Status]++
			checkCheckout(t, f, c)
			if u := mustTime(t, c.UpdatedAt); u.Before(since) || !u.Before(until) {
				t.Fatalf("checkout %d updated_at %s outside [%s, %s)", c.ID, c.UpdatedAt, utc(since), utc(until))
			}
		}
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatal("ids are not sorted and unique across the pages")
	}
	if want := expectedIDs(f, since, until, f.clock.Now()); !slices.Equal(ids, want) {
		t.Fatalf("the pages hold %d checkouts, the generator says %d", len(ids), len(want))
	}
	if len(ids) < 500 || len(pages) < 6 || statuses["close"] == 0 || statuses["cancel"] == 0 || statuses["delete"] == 0 {
		t.Fatalf("not a busy day: %d checkouts on %d pages, statuses %v", len(ids), len(pages), statuses)
	}
	t.Logf("%d checkouts on %d pages, statuses %v", len(ids), len(pages), statuses)

	// limit and count shrink pages; beyond 100 is cut to 100.
	for q, want := range map[string]int{"limit=7": 7, "count=13": 13, "count=13&limit=5": 5, "limit=1000": 100} {
		_, body := apiCall(t, first+"&"+q, tok.AccessToken, "")
		if p := decodePage(t, body); len(p.Checkouts) != want || p.NextURL == nil {
			t.Errorf("%s: %d checkouts, next-url %v", q, len(p.Checkouts), p.NextURL)
		}
	}
}

// checkCheckout checks one checkout's money and times as the real API
// relates them.
func checkCheckout(t *testing.T, f *fixture, c checkout) {
	t.Helper()
	if c.AccountID != f.acct.ID || len(c.GUID) != 36 || c.GUID != strings.ToUpper(c.GUID) || len(c.DeviceID) != 36 {
		t.Fatalf("checkout %d: account %d guid %q device %q", c.ID, c.AccountID, c.GUID, c.DeviceID)
	}
	paid, created, updated := mustTime(t, c.PaidAt), mustTime(t, c.CreatedAt), mustTime(t, c.UpdatedAt)
	if d := created.Sub(paid); d <= 0 || d > 10*time.Second || updated.Before(created) {
		t.Fatalf("checkout %d: paid %s created %s updated %s", c.ID, c.PaidAt, c.CreatedAt, c.UpdatedAt)
	}
	if c.SalesDate != paid.In(shop.Tokyo).Add(-6*time.Hour).Format(time.DateOnly) {
		t.Fatalf("checkout %d: sales_date %s for paid_at %s", c.ID, c.SalesDate, c.PaidAt)
	}
	var paidIn, lines int64
	for _, p := range c.Payments {
		paidIn += yen(t, p.Amount)
	}
	for _, it := range c.Items {
		lines += yen(t, it.Sales)
	}
	price, change := yen(t, c.Price), yen(t, c.Change)
	switch {
	case c.Status == "delete" && c.ClosedAt == nil: // discarded before payment
		if price != 0 || len(c.Payments) != 0 || c.DeletedAt == nil || *c.DeletedAt != c.PaidAt || c.CashierID != nil {
			t.Fatalf("voided checkout %d: %+v", c.ID, c)
		}
	case c.Status == "close" || c.Status == "cancel" || c.Status == "delete":
		if paidIn != price+change || lines != price || price <= 0 || c.CashierID == nil || c.ClosedAt == nil || *c.ClosedAt != c.PaidAt {
			t.Fatalf("checkout %d (%s): payments %d, price %d, change %d, lines %d", c.ID, c.Status, paidIn, price, change, lines)
		}
		if (c.Status == "delete") != (c.DeletedAt != nil) {
			t.Fatalf("checkout %d (%s): deleted_at %v", c.ID, c.Status, c.DeletedAt)
		}
	default:
		t.Fatalf("checkout %d: status %q", c.ID, c.Status)
	}
}

func TestChangesComeBackLater(t *testing.T) {
	f := newFixture(t, 8)
	tok := f.token()
	base := "/api/3/accounts/current/checkouts?"
	// At 14:00 the morning's checkouts, in one window.
	first := walk(t, f, tok.AccessToken, f.ts.URL+base+url.Values{"since": {utc(day)}}.Encode())
	seen := map[int64]checkout{}
	for _, p := range first {
		for _, c := range p.Checkouts {
			seen[c.ID] = c
		}
	}
	next := first[len(first)-1].NextBatchSince
	if next != utc(f.clock.Now()) {
		t.Fatalf("next_batch_since %s, want the server time %s", next, utc(f.clock.Now()))
	}
	// At midnight, the next batch re-delivers the cancels and edits of
	// morning checkouts with the same id and a newer updated_at.
	f.clock.Set(day.Add(24 * time.Hour))
	later := walk(t, f, tok.AccessToken, f.ts.URL+base+url.Values{"since": {next}}.Encode())
	kinds := map[string]int{}
	for _, p := range later {
		for _, c := range p.Checkouts {
			old, ok := seen[c.ID]
			if !ok {
				continue
			}
			if !mustTime(t, c.UpdatedAt).After(mustTime(t, old.UpdatedAt)) || c.GUID != old.GUID || c.PaidAt != old.PaidAt {
				t.Fatalf("re-delivered %d: updated_at %s → %s", c.ID, old.UpdatedAt, c.UpdatedAt)
			}
			switch {
			case c.Status == "cancel":
				kinds["cancel"]++
			case c.Status == "delete":
				kinds["delete"]++
			case c.Price != old.Price:
				kinds["edit"]++
			}
		}
	}
	if kinds["cancel"] == 0 || kinds["edit"] == 0 {
		t.Fatalf("no cancel or edit came back in the later window: %v", kinds)
	}
	t.Logf("re-delivered later: %v", kinds)
}

// TestPollingLosesNothing runs the documented sync loop every few
// minutes over a day and compares what it saw with a final full read.
func TestPollingLosesNothing(t *testing.T) {
	f := newFixture(t, 4)
	f.clock.Set(day.Add(9 * time.Hour))
	tok := f.token()
	latest := map[int64]checkout{}
	since := utc(f.clock.Now())
	start := since
	for f.clock.Now().Before(day.Add(23 * time.Hour)) {
		f.clock.Advance(7*time.Minute + 13*time.Second)
		pages := walk(t, f, tok.AccessToken, f.ts.URL+"/api/3/accounts/current/checkouts?"+url.Values{"since": {since}, "count": {"100"}}.Encode())
		for _, p := range pages {
			for _, c := range p.Checkouts {
				if old, ok := latest[c.ID]; ok && old.UpdatedAt > c.UpdatedAt {
					t.Fatalf("checkout %d went back in time", c.ID)
				}
				latest[c.ID] = c
			}
		}
		since = pages[len(pages)-1].Timestamp
	}
	full := walk(t, f, tok.AccessToken, f.ts.URL+"/api/3/accounts/current/checkouts?"+url.Values{"since": {start}, "until": {since}}.Encode())
	n := 0
	for _, p := range full {
		for _, c := range p.Checkouts {
			n++
			if got, ok := latest[c.ID]; !ok || got.UpdatedAt != c.UpdatedAt || got.Status != c.Status || got.Price != c.Price {
				t.Fatalf("polling missed the last state of checkout %d", c.ID)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d checkouts in the day", n)
	}
}

func TestClosedCheckouts(t *testing.T) {
	f := newFixture(t, 8)
	f.clock.Set(day.Add(24 * time.Hour))
	tok := f.token()
	pages := walk(t, f, tok.AccessToken, f.ts.URL+"/api/3/accounts/current/checkouts/close?"+url.Values{"since": {utc(day)}}.Encode())
	n := 0
	for _, p := range pages {
		for _, c := range p.Checkouts {
			n++
			if c.Status != "close" && c.Status != "cancel" {
				t.Fatalf("checkouts/close returned status %s", c.Status)
			}
		}
	}
	if n == 0 {
		t.Fatal("no closed checkouts")
	}
}
