package ubiregi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// fuzzSim is a simulator with a client, an account and a live token.
func fuzzSim(f *testing.F) (*Server, string) {
	sim := New(Config{Seed: 1, Clock: simclock.NewFrozen(day.Add(13 * time.Hour)), Synthetic: Synthetic{Count: 10}})
	if err := sim.RegisterClient(Client{ID: "c", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:1/cb"}}); err != nil {
		f.Fatal(err)
	}
	a, err := sim.CreateAccount(Account{Login: "fuzz", Password: "pw", Devices: 4})
	if err != nil {
		f.Fatal(err)
	}
	tok, err := sim.IssueToken("c", a.ID)
	if err != nil {
		f.Fatal(err)
	}
	return sim, tok.AccessToken
}

func serve(sim *Server, method, path, rawQuery, body, contentType string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.URL.RawQuery = rawQuery
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, req)
	return w
}

func FuzzCheckoutsQuery(f *testing.F) {
	sim, token := fuzzSim(f)
	for _, q := range []string{
		"", "since=2026-11-20T00:00:00Z", "since=2026-11-20T00:00:00Z&until=2026-11-20T09:00:00%2B09:00&glb=1&limit=5",
		"glb=-9223372036854775808", "glb=9223372036854775807", "since=0001-01-01T00:00:00Z", "until=9999-12-31T23:59:59Z",
		"since=%zz", "limit=100000000000000000000", "count=&limit=", "since=2026-11-20T00:00:00 09:00", "since=2026-11-20T00:00:00+25:00",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		w := serve(sim, http.MethodGet, "/api/3/accounts/current/checkouts", q, "", "", map[string]string{"Authorization": "Bearer " + token})
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("query %q: %d %s", q, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("query %q: body is not JSON: %s", q, w.Body)
		}
	})
}

func FuzzTokenEndpoint(f *testing.F) {
	sim, _ := fuzzSim(f)
	for _, b := range []string{
		"", "grant_type=authorization_code&code=x", "grant_type=refresh_token&refresh_token=", "grant_type=%", "a=b&&&==",
		"grant_type=authorization_code&code=x&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&code_verifier=short",
	} {
		f.Add(b, "Basic Yzpz")
	}
	f.Add("client_id=c&client_secret=s&grant_type=password", "")
	f.Add("grant_type=refresh_token", "Basic !!!")
	f.Fuzz(func(t *testing.T, body, auth string) {
		w := serve(sim, http.MethodPost, "/oauth2/token", "", body, "application/x-www-form-urlencoded", map[string]string{"Authorization": auth})
		if w.Code != http.StatusBadRequest && w.Code != http.StatusUnauthorized {
			t.Fatalf("body %q auth %q: %d %s", body, auth, w.Code, w.Body)
		}
		var e oauthError
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("body %q: not an RFC 6749 error: %s", body, w.Body)
		}
	})
}

func FuzzAuthorize(f *testing.F) {
	sim, _ := fuzzSim(f)
	for _, q := range []string{
		"", "client_id=c&response_type=code&state=x", "client_id=c&response_type=code&code_challenge=abc&code_challenge_method=S256",
		"client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&response_type=code&force_login=true&mobile=1", "client_id=%ff",
	} {
		f.Add(q, "request_id=x&decision=allow&login=fuzz&password=pw")
	}
	f.Fuzz(func(t *testing.T, q, form string) {
		for _, w := range []*httptest.ResponseRecorder{
			serve(sim, http.MethodGet, "/oauth2/authorize", q, "", "", nil),
			serve(sim, http.MethodPost, "/oauth2/authorize", q, form, "application/x-www-form-urlencoded", nil),
		} {
			if w.Code >= 500 {
				t.Fatalf("query %q form %q: %d %s", q, form, w.Code, w.Body)
			}
		}
	})
}

func FuzzControlAPI(f *testing.F) {
	sim, _ := fuzzSim(f)
	for _, b := range []string{
		`{}`, `{"login":"x","password":"y","devices":64}`, `{"count":-1}`, `{"count":16777217,"devices":1}`, `{"first_id":1,"count":5}`,
		`{"per_second":1e308,"burst":1}`, `{"client_id":"x","redirect_uris":["http://a/b"],"public":true}`, `null`, `[`, `{"history_from":"x"}`,
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, ep := range []struct{ method, path string }{
			{"POST", "/_sim/accounts"}, {"POST", "/_sim/clients"}, {"PUT", "/_sim/synthetic"}, {"PUT", "/_sim/ratelimit"},
			{"POST", "/_sim/tokens"}, {"POST", "/_sim/revoke"}, {"PUT", "/_sim/faults"}, {"POST", "/_sim/clock"},
		} {
			w := serve(sim, ep.method, ep.path, "", body, "application/json", nil)
			if w.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", ep.method, ep.path, body, w.Code, w.Body)
			}
		}
		// Undo what the control API accepted, so inputs stay independent.
		_ = sim.SetRateLimit(RateLimit{})
		sim.Faults().Set(fault.Settings{})
		sim.clock.Set(day.Add(13 * time.Hour))
	})
}
