package ubiregi

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// What a real public Ubiregi client, run against the simulator, found
// missing or wrong: each case below failed before the simulator was fixed.

// accounts/current carries an expiry time (not null) and the fields the
// transcribed live account has beyond the old docs, with their types.
func TestAccountHasLiveFields(t *testing.T) {
	f := newFixture(t, 2)
	tok := f.token()
	resp, body := f.api(tok.AccessToken, "/api/3/accounts/current")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var doc struct {
		Account map[string]any `json:"account"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	a := doc.Account
	exp, ok := a["expire_at"].(string)
	if !ok {
		t.Fatalf("expire_at %v, want a time", a["expire_at"])
	}
	if e := mustTime(t, exp); !e.After(f.clock.Now()) || e.After(f.clock.Now().AddDate(1, 0, 1)) {
		t.Fatalf("expire_at %s: not within the year after now (%s)", exp, f.clock.Now())
	}
	types := map[string]string{
		"stamp_tax_threshold": "string", "stamp_tax_text": "string", "paid_inout_reasons": "array",
		"setting_disabled": "bool", "menu_group_editable": "bool", "options": "object",
	}
	for k, want := range types {
		var got string
		switch a[k].(type) {
		case string:
			got = "string"
		case []any:
			got = "array"
		case bool:
			got = "bool"
		case map[string]any:
			got = "object"
		default:
			got = "missing or null"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
}

// The expiry is the first anniversary of the start after now.
func TestExpireAt(t *testing.T) {
	from := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	for now, want := range map[time.Time]time.Time{
		from:                    from.AddDate(1, 0, 0),
		from.AddDate(0, 11, 20): from.AddDate(1, 0, 0),
		from.AddDate(1, 0, 0):   from.AddDate(2, 0, 0),
		from.AddDate(3, 2, 0):   from.AddDate(4, 0, 0),
		from.AddDate(3, -2, 0):  from.AddDate(3, 0, 0),
	} {
		if got := expireAt(from, now); !got.Equal(want) {
			t.Errorf("expireAt(%s, %s) = %s, want %s", from, now, got, want)
		}
	}
}

// A trailing slash names the same collection.
func TestCheckoutsTrailingSlash(t *testing.T) {
	f := newFixture(t, 2)
	tok := f.token()
	q := "?" + url.Values{"since": {utc(day)}, "limit": {"5"}}.Encode()
	for _, p := range []string{"/api/3/accounts/current/checkouts", "/api/3/accounts/" + itoa(f.acct.ID) + "/checkouts", "/api/3/accounts/current/checkouts/close"} {
		r1, plain := f.api(tok.AccessToken, p+q)
		r2, slash := f.api(tok.AccessToken, p+"/"+q)
		if r1.StatusCode != 200 || r2.StatusCode != 200 {
			t.Fatalf("%s: %d, with a slash %d %s", p, r1.StatusCode, r2.StatusCode, slash)
		}
		// next-url names the path as it was asked: compare the checkouts.
		if a, b := decodePage(t, plain), decodePage(t, slash); len(a.Checkouts) != 5 || !sameIDs(a, b) {
			t.Fatalf("%s: %d checkouts, with a slash another page", p, len(a.Checkouts))
		}
	}
	if r, _ := f.api(tok.AccessToken, "/api/3/accounts/current/"); r.StatusCode != 200 {
		t.Fatalf("accounts/current/: %d", r.StatusCode)
	}
}

func sameIDs(a, b page) bool {
	if len(a.Checkouts) != len(b.Checkouts) {
		return false
	}
	for i := range a.Checkouts {
		if a.Checkouts[i].ID != b.Checkouts[i].ID {
			return false
		}
	}
	return true
}

// next-url holds each of the window's parameters once: a client that adds
// its parameters to every next-url (as some do) does not make it grow, and
// parameters the API does not know are not carried along.
func TestNextURLDoesNotGrow(t *testing.T) {
	f := newFixture(t, 8)
	f.clock.Set(day.Add(24 * time.Hour))
	tok := f.token()
	u := f.ts.URL + "/api/3/accounts/current/checkouts?" + url.Values{"since": {utc(day)}, "limit": {"20", "20"}, "verbose": {"true"}, "foo": {"bar"}}.Encode()
	var lengths []int
	for range 5 {
		resp, body := apiCall(t, u, tok.AccessToken, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
		p := decodePage(t, body)
		if p.NextURL == nil || len(p.Checkouts) != 20 {
			t.Fatalf("%d checkouts, next-url %v", len(p.Checkouts), p.NextURL)
		}
		nu, err := url.Parse(*p.NextURL)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range nu.Query() {
			if len(v) != 1 {
				t.Fatalf("next-url repeats %s: %s", k, *p.NextURL)
			}
		}
		if q := nu.Query(); q.Has("foo") || q.Get("limit") != "20" || q.Get("verbose") != "true" || q.Get("since") != utc(day) {
			t.Fatalf("next-url %s", *p.NextURL)
		}
		lengths = append(lengths, len(*p.NextURL))
		// The client adds its page size again, as the one that found this did.
		u = *p.NextURL + "&limit=20"
	}
	for _, n := range lengths {
		if n > lengths[0]+2 { // glb may gain a digit, nothing more
			t.Fatalf("next-url grows: %v", lengths)
		}
	}
}

// total_count=true counts the whole result set of the request.
func TestTotalCount(t *testing.T) {
	f := newFixture(t, 4)
	f.clock.Set(day.Add(24 * time.Hour))
	tok := f.token()
	first := f.ts.URL + "/api/3/accounts/current/checkouts?" + url.Values{"since": {utc(day)}, "total_count": {"true"}}.Encode()
	pages := walk(t, f, tok.AccessToken, first)
	n := 0
	for _, p := range pages {
		n += len(p.Checkouts)
	}
	_, body := apiCall(t, first, tok.AccessToken, "")
	var head struct {
		TotalCount *int `json:"total_count"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		t.Fatal(err)
	}
	if head.TotalCount == nil || *head.TotalCount != n || n <= 100 {
		t.Fatalf("total_count %v, the walk found %d", head.TotalCount, n)
	}
	// Without the switch there is no count.
	_, body = apiCall(t, strings.Replace(first, "total_count=true", "total_count=false", 1), tok.AccessToken, "")
	if bytes.Contains(body, []byte(`"total_count"`)) {
		t.Fatal("total_count sent without total_count=true")
	}
}
