package ubiregi

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
)

func TestMalformedParameters(t *testing.T) {
	f := newFixture(t, 2)
	tok := f.token()
	for _, q := range []string{
		"since=yesterday", "since=2026-13-01T00:00:00Z", "until=abc", "until=2026-11-20", "glb=x", "glb=1.5",
		"glb=99999999999999999999", "limit=0", "limit=-1", "limit=ten", "count=abc", "count=0", "limit=1e3",
	} {
		resp, body := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts?"+q)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
			continue
		}
		if r := reasons(t, body); !strings.Contains(r[0], "invalid parameter") {
			t.Errorf("%s: reason %q", q, r[0])
		}
	}
	// Accepted spellings of an instant (raw query values): Z, an offset, an
	// offset whose '+' was not escaped (it decodes as a space), fractions,
	// no offset (UTC).
	var first int64
	for _, v := range []string{"2026-11-20T03:00:05Z", "2026-11-20T12:00:05%2B09:00", "2026-11-20T12:00:05+09:00", "2026-11-20T03:00:04.5Z", "2026-11-20T03:00:05"} {
		resp, body := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts?since="+v+"&limit=1")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("since=%s: %d %s", v, resp.StatusCode, body)
		}
		p := decodePage(t, body)
		if len(p.Checkouts) != 1 || p.Checkouts[0].UpdatedAt < "2026-11-20T03:00:05Z" || p.Checkouts[0].UpdatedAt > "2026-11-20T03:10:00Z" {
			t.Fatalf("since=%s: %+v", v, p.Checkouts)
		}
		if first == 0 {
			first = p.Checkouts[0].ID
		} else if p.Checkouts[0].ID != first {
			t.Errorf("since=%s was read as another instant than 2026-11-20T03:00:05Z", v)
		}
	}
	// A future until is the server time; since after until is empty.
	_, body := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts?until=2030-01-01T00:00:00Z")
	if p := decodePage(t, body); p.Timestamp != utc(f.clock.Now()) {
		t.Errorf("future until: timestamp %s", p.Timestamp)
	}
	_, body = f.api(tok.AccessToken, "/api/3/accounts/current/checkouts?since=2026-11-20T03:00:00Z&until=2026-11-20T01:00:00Z")
	if p := decodePage(t, body); len(p.Checkouts) != 0 || p.NextURL != nil || p.Timestamp != "2026-11-20T01:00:00Z" {
		t.Errorf("since after until: %+v", p)
	}
}

func TestOtherAccountIsNotFound(t *testing.T) {
	f := newFixture(t, 1)
	other, err := f.sim.CreateAccount(Account{Login: "other", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	tok := f.token()
	for _, path := range []string{
		"/api/3/accounts/" + itoa(other.ID) + "/checkouts",
		"/api/3/accounts/" + itoa(other.ID),
		"/api/3/accounts/" + itoa(other.ID) + "/checkouts/close",
		"/api/3/accounts/abc/checkouts",
		"/api/3/accounts/%00/checkouts",
		"/api/3/menus/1/items",
	} {
		resp, body := f.api(tok.AccessToken, path)
		if resp.StatusCode != http.StatusNotFound || reasons(t, body)[0] != "the resource you requested was not found" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/"+itoa(f.acct.ID)+"/checkouts"); resp.StatusCode != http.StatusOK {
		t.Fatalf("own account by id: %d", resp.StatusCode)
	}
}

func TestInjected429AndDowntime(t *testing.T) {
	f := newFixture(t, 1)
	tok := f.token()
	f.sim.Faults().Burst(2, 3*time.Second)
	for range 2 {
		resp, body := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" || reasons(t, body)[0] != "rate limit exceeded" {
			t.Fatalf("burst: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the burst: %d", resp.StatusCode)
	}

	// Downtime through the admin endpoint, on the simulated clock.
	now := f.clock.Now()
	resp, body := do(t, http.MethodPut, f.ts.URL+"/_sim/faults", `{"down":[{"from":"`+now.Format(time.RFC3339)+`","to":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set downtime: %d %s", resp.StatusCode, body)
	}
	resp, b := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts")
	if resp.StatusCode != http.StatusServiceUnavailable || reasons(t, b)[0] != "service unavailable" {
		t.Fatalf("downtime: %d %s", resp.StatusCode, b)
	}
	// The token endpoint answers in its own format while down.
	if _, err := f.refresh(tok.RefreshToken); grantErrorCode(t, err) != "temporarily_unavailable" {
		t.Fatal("the token endpoint did not fail during downtime")
	}
	// The control API is never down.
	if resp, _ := do(t, http.MethodGet, f.ts.URL+"/_sim/clients", ""); resp.StatusCode != http.StatusOK {
		t.Fatal("the control API is affected by faults")
	}
	f.clock.Advance(time.Hour)
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after downtime: %d", resp.StatusCode)
	}
	f.sim.Faults().Set(fault.Settings{})
}

func TestExpiredSubscription(t *testing.T) {
	f := newFixture(t, 1)
	tok := f.token()
	resp, body := do(t, http.MethodPut, f.ts.URL+"/_sim/accounts/"+itoa(f.acct.ID)+"/subscription", `{"expired":true}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("expire: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/3/accounts/current", "/api/3/accounts/current/checkouts"} {
		resp, b := f.api(tok.AccessToken, path)
		if resp.StatusCode != http.StatusPaymentRequired || len(reasons(t, b)) != 1 {
			t.Fatalf("%s on an expired account: %d %s", path, resp.StatusCode, b)
		}
	}
	if err := f.sim.SetExpired(f.acct.ID, false); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
		t.Fatalf("renewed: %d", resp.StatusCode)
	}
}

func TestRateLimitPerToken(t *testing.T) {
	f := newFixture(t, 1)
	tok, other := f.token(), f.token()
	resp, body := do(t, http.MethodPut, f.ts.URL+"/_sim/ratelimit", `{"per_second":2,"burst":2}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set rate limit: %d %s", resp.StatusCode, body)
	}
	for i := range 2 {
		if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp, b := f.api(tok.AccessToken, "/api/3/accounts/current")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || string(b) != `[{"reason":"rate limit exceeded"}]`+"\n" {
		t.Fatalf("over the limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	// Buckets are per token.
	if resp, _ := f.api(other.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another token: %d", resp.StatusCode)
	}
	f.clock.Advance(time.Second)
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a second: %d", resp.StatusCode)
	}
	if resp, _ := do(t, http.MethodPut, f.ts.URL+"/_sim/ratelimit", `{"per_second":-1,"burst":2}`); resp.StatusCode != http.StatusBadRequest {
		t.Fatal("a negative rate was accepted")
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t, 1)
	for _, tc := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "/_sim/clients", `{"client_id":"c2","client_secret":"x","redirect_uris":["http://127.0.0.1:9/cb"],"name":"App"}`, 201, `"client_id":"c2"`},
		{"POST", "/_sim/clients", `{"client_id":"c3","redirect_uris":["http://127.0.0.1:9/cb"]}`, 400, "client_secret is required"},
		{"POST", "/_sim/clients", `{"client_id":"c4","public":true,"redirect_uris":["javascript:alert(1)"]}`, 400, "absolute http(s) URL"},
		{"POST", "/_sim/clients", `{"client_id":"c5","bogus":1}`, 400, "unknown field"},
		{"POST", "/_sim/clients", `{"client_id":`, 400, "bad JSON"},
		{"POST", "/_sim/clients", `{} {}`, 400, "trailing data"},
		{"GET", "/_sim/clients", "", 200, `"client_id":"c2"`},
		{"POST", "/_sim/accounts", `{"login":"shop-a","email":"a@example.com","password":"pw","devices":2,"history_from":"2026-11-01T00:00:00Z"}`, 201, `"device_list":[{"guid":`},
		{"POST", "/_sim/accounts", `{"login":"shop-a","password":"pw"}`, 409, "taken"},
		{"POST", "/_sim/accounts", `{"login":"shop-b","password":"pw","devices":65}`, 400, "devices must be 1 to 64"},
		{"GET", "/_sim/accounts/" + itoa(f.acct.ID), "", 200, `"password":"` + testPassword + `"`},
		{"GET", "/_sim/accounts/123456789", "", 404, "no account"},
		{"GET", "/_sim/accounts/x", "", 400, "integer"},
		{"PUT", "/_sim/synthetic", `{"count":10,"devices":5}`, 400, "between count"},
		{"PUT", "/_sim/synthetic", `{"count":10,"devices":25}`, 200, `"first_id":1000000`},
		{"GET", "/_sim/accounts/1000003", "", 200, `"login":"shop1000003"`},
		{"POST", "/_sim/tokens", `{"client_id":"` + testClientID + `","account_id":1000003}`, 200, `"token_type":"bearer"`},
		{"POST", "/_sim/tokens", `{"client_id":"nope","account_id":1000003}`, 404, "client"},
		{"POST", "/_sim/revoke", `{"token":"nope"}`, 404, "no such live token"},
		{"GET", "/_sim/clock", "", 200, `"frozen":true`},
		{"GET", "/_sim/nothing", "", 404, "no such control endpoint"},
	} {
		resp, body := do(t, tc.method, f.ts.URL+tc.path, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("%s %s: %d %s; want %d with %q", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.contains)
		}
	}
	// The synthetic range's devices add up to what was asked.
	total := 0
	for id := int64(DefaultSyntheticFirstID); id < DefaultSyntheticFirstID+10; id++ {
		a, ok := f.sim.SyntheticAccount(id)
		if !ok || a.Devices < 1 || a.Devices > MaxDevices {
			t.Fatalf("synthetic account %d: %+v", id, a)
		}
		total += a.Devices
	}
	if total != 25 {
		t.Fatalf("synthetic devices add up to %d, want 25", total)
	}
}

func do(t *testing.T, method, u, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
