package smaregi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// t0 is a Tuesday afternoon before the legacy cut-over.
var t0 = time.Date(2026, 1, 20, 15, 0, 0, 0, jst)

// fixture is a simulator on a real listener with a frozen clock.
type fixture struct {
	srv   *Server
	ts    *httptest.Server
	clock *simclock.Clock
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = simclock.NewFrozen(t0)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1 // only the rate-limit tests count requests
	}
	s := New(cfg)
	ts := httptest.NewServer(s) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return &fixture{srv: s, ts: ts, clock: cfg.Clock}
}

// contract creates a contract with a week of history and two stores.
func (f *fixture) contract(t testing.TB, spec ContractSpec) Contract {
	t.Helper()
	if spec.HistoryStart.IsZero() {
		spec.HistoryStart = t0.AddDate(0, 0, -40)
	}
	if spec.Stores == nil {
		spec.Stores = []StoreSpec{{Terminals: 2}, {Terminals: 1}}
	}
	c, err := f.srv.CreateContract(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// oauth is the client-credentials configuration exactly as the portal
// builds it.
func (f *fixture) oauth(c Contract, scopes ...string) *clientcredentials.Config {
	if scopes == nil {
		scopes = []string{"pos.transactions:read", "pos.stores:read"}
	}
	return &clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		TokenURL: f.ts.URL + "/app/" + c.ID + "/token",
		Scopes:   scopes, AuthStyle: oauth2.AuthStyleInHeader,
	}
}

// client is an HTTP client that authenticates as the contract's app.
func (f *fixture) client(t testing.TB, c Contract) *http.Client {
	t.Helper()
	return f.oauth(c).Client(context.Background())
}

// pos is the URL of a POS API path of the contract.
func (f *fixture) pos(c Contract, path string, q url.Values) string {
	u := f.ts.URL + "/" + c.ID + "/pos" + path
	if q != nil {
		u += "?" + q.Encode()
	}
	return u
}

// get fetches a URL and returns the response and its body.
func get(t testing.TB, cl *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// heads decodes a list of transaction heads (all values strings or null).
func heads(t testing.TB, b []byte) []map[string]*string {
	t.Helper()
	var out []map[string]*string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("not a list of string-valued heads: %v\n%.300s", err, b)
	}
	return out
}

// problemOf decodes a problem JSON body.
func problemOf(t testing.TB, resp *http.Response, b []byte, want int) map[string]any {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, b)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("problem body: %v: %s", err, b)
	}
	if p["type"] != "about:blank" || p["title"] != http.StatusText(want) || p["status"] != float64(want) || p["detail"] == "" {
		t.Fatalf("problem body %s", b)
	}
	return p
}

// day is a one-day range of terminal times ending at the frozen now.
func day() url.Values {
	return url.Values{
		"terminal_tran_date_time-from": {t0.Add(-24 * time.Hour).Format(time.RFC3339)},
		"terminal_tran_date_time-to":   {t0.Format(time.RFC3339)},
	}
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// newServer serves h on its own 127.0.0.1 listener and returns its URL.
func newServer(t testing.TB, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %.300s", err, b)
	}
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

func readAll(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
