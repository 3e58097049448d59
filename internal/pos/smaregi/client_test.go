package smaregi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// before is a day before the legacy API's cut-over, after a day after it.
var (
	jst    = time.FixedZone("JST", 9*3600)
	before = time.Date(2026, 1, 20, 15, 0, 0, 0, jst)
	after  = time.Date(2026, 11, 23, 12, 0, 0, 0, jst)
)

// fixture is the simulator on a real listener with a frozen clock, one
// contract (渋谷店 with two registers, 新宿店 with one), and a client of it.
type fixture struct {
	sim      *smaregisim.Server
	clock    *simclock.Clock
	client   *smaregi.Client
	contract smaregisim.Contract
	creds    smaregi.Credentials
	url      string
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	clock := simclock.NewFrozen(now)
	sim := smaregisim.New(smaregisim.Config{Seed: 11, Clock: clock, RateLimit: -1})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := sim.CreateContract(smaregisim.ContractSpec{ID: "sktest01",
		Stores: []smaregisim.StoreSpec{{Name: "渋谷店", Terminals: 2}, {Name: "新宿店", Terminals: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sim: sim, clock: clock, contract: c, url: ts.URL,
		client: smaregi.New(smaregi.Config{IDBaseURL: ts.URL, APIBaseURL: ts.URL, LegacyBaseURL: ts.URL,
			HTTPClient: &http.Client{}, Timeout: 300 * time.Millisecond}),
		creds: smaregi.Credentials{ContractID: c.ID, ClientID: c.ClientID, ClientSecret: c.ClientSecret}}
}

func (f *fixture) token(t *testing.T, scopes ...string) smaregi.Token {
	t.Helper()
	if scopes == nil {
		scopes = smaregi.Scopes
	}
	tok, err := f.client.AppToken(context.Background(), f.creds, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wantErr fails unless err is a *pos.Error of Smaregi's of the class and
// reason.
// wantErr checks err's class and reason and returns a copy of it (a value,
// not an error, so that callers may ignore it).
func wantErr(t *testing.T, err error, class pos.Class, reason string) pos.Error {
	t.Helper()
	e, ok := pos.AsError(err)
	if !ok || e.Provider != "smaregi" || e.Class != class || e.Reason != reason {
		t.Fatalf("error %v, want a smaregi error of class %v, reason %q", err, class, reason)
	}
	return *e
}

func TestAppTokenAndListings(t *testing.T) {
	f := newFixture(t, after)
	tok := f.token(t)
	if tok.AccessToken == "" || tok.ExpiresIn != time.Hour || len(tok.Scopes) != 2 {
		t.Fatalf("token %+v", tok)
	}
	ctx := context.Background()
	stores, err := f.client.Stores(ctx, f.contract.ID, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(stores); got != "[{1 st001 渋谷店 1} {2 st002 新宿店 1}]" {
		t.Errorf("stores %s", got)
	}
	terms, err := f.client.Terminals(ctx, f.contract.ID, tok.AccessToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(terms); got != "[{1 1 レジ1 0} {1 2 レジ2 0} {2 1 レジ1 0}]" {
		t.Errorf("terminals %s", got)
	}
	terms, err = f.client.Terminals(ctx, f.contract.ID, tok.AccessToken, "2")
	if err != nil || len(terms) != 1 || terms[0].StoreID != "2" {
		t.Errorf("terminals of store 2: %v, %v", terms, err)
	}
}

func TestAppTokenErrors(t *testing.T) {
	f := newFixture(t, after)
	ctx := context.Background()
	wrong := f.creds
	wrong.ClientSecret = "0123456789abcdef-wrong-secret"
	_, err := f.client.AppToken(ctx, wrong, smaregi.Scopes...)
	if e := wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonCredentials); e.Status != 401 {
		t.Errorf("status %d", e.Status)
	}
	if strings.Contains(err.Error(), wrong.ClientSecret) || strings.Contains(err.Error(), f.creds.ClientSecret) {
		t.Errorf("the error holds the secret: %v", err)
	}

	unknown := f.creds
	unknown.ContractID = "sknone99"
	_, err = f.client.AppToken(ctx, unknown, smaregi.Scopes...)
	wantErr(t, err, pos.NotFound, smaregi.ReasonContract)

	if err := f.sim.SetScopes(f.contract.ID, []string{smaregi.ScopeTransactionsRead}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.AppToken(ctx, f.creds, smaregi.Scopes...)
	if e := wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonScope); e.Status != 400 || !strings.Contains(e.Detail, "pos.stores:read") {
		t.Errorf("scope error %+v", e)
	}
	_, err = f.client.AppToken(ctx, f.creds, "pos.no-such:read")
	wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonScope)
}

// A token answer that grants less than asked is refused, as is one that
// is not a token answer.
func TestAppTokenOddAnswers(t *testing.T) {
	cases := map[string]struct {
		status int
		ctype  string
		body   string
		class  pos.Class
		reason string
	}{
		"fewer scopes": {200, "application/json", `{"access_token":"x","token_type":"Bearer","expires_in":3600,"scope":"pos.transactions:read"}`, pos.CredentialsRefused, smaregi.ReasonScope},
		"no token":     {200, "application/json", `{"token_type":"Bearer"}`, pos.Malformed, ""},
		"html":         {200, "text/html", `<html>maintenance</html>`, pos.Malformed, ""},
		"not bearer":   {200, "application/json", `{"access_token":"x","token_type":"MAC","expires_in":3600}`, pos.Malformed, ""},
		"gateway":      {502, "text/html", `<html>bad gateway</html>`, pos.Unavailable, ""},
		"teapot":       {418, "application/json", `{}`, pos.Malformed, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = fmt.Fprint(w, tc.body)
			}))
			defer ts.Close()
			c := smaregi.New(smaregi.Config{IDBaseURL: ts.URL})
			_, err := c.AppToken(context.Background(), smaregi.Credentials{ContractID: "sk1", ClientID: "id", ClientSecret: "s"}, smaregi.Scopes...)
			e := wantErr(t, err, tc.class, tc.reason)
			if tc.reason == smaregi.ReasonScope && e.Detail != "missing pos.stores:read" {
				t.Errorf("detail %q", e.Detail)
			}
		})
	}
}

func TestOutagesSlownessAndRateLimits(t *testing.T) {
	f := newFixture(t, after)
	ctx := context.Background()
	tok := f.token(t)

	f.sim.Faults().AddDowntime(after.Add(-time.Hour), after.Add(time.Hour))
	_, err := f.client.AppToken(ctx, f.creds, smaregi.Scopes...)
	wantErr(t, err, pos.Unavailable, "")
	_, err = f.client.Terminals(ctx, f.contract.ID, tok.AccessToken, "")
	wantErr(t, err, pos.Unavailable, "")
	f.sim.Faults().Set(fault.Settings{})

	f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(700 * time.Millisecond)})
	start := time.Now()
	for _, err := range []error{
		func() error { _, err := f.client.AppToken(ctx, f.creds, smaregi.Scopes...); return err }(),
		func() error { _, err := f.client.Stores(ctx, f.contract.ID, tok.AccessToken); return err }(),
	} {
		if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 300*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("timeout: %v", err)
		}
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("two calls took %v with a 300 ms limit", d)
	}
	f.sim.Faults().Set(fault.Settings{})

	f.sim.Faults().Burst(2, 3*time.Second)
	_, err = f.client.AppToken(ctx, f.creds, smaregi.Scopes...)
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 3*time.Second {
		t.Errorf("retry after %v", e.RetryAfter)
	}
	_, err = f.client.Stores(ctx, f.contract.ID, tok.AccessToken)
	wantErr(t, err, pos.RateLimited, "")
	if _, err := f.client.Stores(ctx, f.contract.ID, tok.AccessToken); err != nil {
		t.Fatalf("after the burst: %v", err)
	}

	// The contract's own limit, counted per second of the frozen clock.
	if err := f.sim.SetRateLimit(f.contract.ID, 1); err != nil {
		t.Fatal(err)
	}
	_, _ = f.client.Stores(ctx, f.contract.ID, tok.AccessToken)
	_, err = f.client.Stores(ctx, f.contract.ID, tok.AccessToken)
	wantErr(t, err, pos.RateLimited, "")
}

func TestAPIRefusesTokens(t *testing.T) {
	f := newFixture(t, after)
	ctx := context.Background()
	tok := f.token(t, smaregi.ScopeTransactionsRead)
	_, err := f.client.Stores(ctx, f.contract.ID, tok.AccessToken)
	if e := wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonScope); e.Status != 403 {
		t.Errorf("status %d", e.Status)
	}
	_, err = f.client.Terminals(ctx, "skother1", f.token(t).AccessToken, "")
	wantErr(t, err, pos.NotFound, smaregi.ReasonContract)

	tok = f.token(t)
	if err := f.sim.RevokeTokens(f.contract.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Terminals(ctx, f.contract.ID, tok.AccessToken, "")
	wantErr(t, err, pos.TokenRefused, "")
}

// Answers that are not the documented shapes are errors, never half-read.
func TestListingsRefuseGarbage(t *testing.T) {
	cases := map[string]struct {
		ctype, body string
	}{
		"html":            {"text/html", "<html></html>"},
		"object":          {"application/json", `{"stores":[]}`},
		"number ids":      {"application/json", `[{"storeId":1,"terminalId":"1"}]`},
		"trailing":        {"application/json", `[] []`},
		"truncated":       {"application/json", `[{"storeId":"1"`},
		"bad terminal id": {"application/json", `[{"storeId":"1","terminalId":"1; drop"}]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				_, _ = fmt.Fprint(w, tc.body)
			}))
			defer ts.Close()
			c := smaregi.New(smaregi.Config{APIBaseURL: ts.URL})
			_, err := c.Terminals(context.Background(), "sk1", "tok", "")
			wantErr(t, err, pos.Malformed, "")
		})
	}
}

// A full page is followed by the next; a short page ends the listing.
func TestListingsPage(t *testing.T) {
	var pages []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages = append(pages, r.URL.Query().Get("page")+"/"+r.URL.Query().Get("limit"))
		n := 1000
		if r.URL.Query().Get("page") == "2" {
			n = 3
		}
		w.Header().Set("Content-Type", "application/json")
		var b strings.Builder
		b.WriteString("[")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"storeId":"1","terminalId":"%d","terminalName":"r","extra":null}`, i+1)
		}
		b.WriteString("]")
		_, _ = fmt.Fprint(w, b.String())
	}))
	defer ts.Close()
	c := smaregi.New(smaregi.Config{APIBaseURL: ts.URL})
	terms, err := c.Terminals(context.Background(), "sk1", "tok", "")
	if err != nil || len(terms) != 1003 || fmt.Sprint(pages) != "[1/1000 2/1000]" {
		t.Fatalf("%d terminals, pages %v, %v", len(terms), pages, err)
	}
}

func TestLegacyStores(t *testing.T) {
	f := newFixture(t, before)
	ctx := context.Background()
	stores, err := f.client.LegacyStores(ctx, f.contract.ID, f.contract.LegacyAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(stores); got != "[{1 st001 渋谷店 1} {2 st002 新宿店 1}]" {
		t.Errorf("stores %s", got)
	}
	_, err = f.client.LegacyStores(ctx, f.contract.ID, "0000wrong")
	if e := wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonLegacyToken); e.Code != "13" {
		t.Errorf("code %q", e.Code)
	}
	_, err = f.client.LegacyStores(ctx, "sknone99", f.contract.LegacyAccessToken)
	wantErr(t, err, pos.NotFound, smaregi.ReasonContract)

	f.sim.Faults().AddDowntime(before.Add(-time.Hour), before.Add(time.Hour))
	_, err = f.client.LegacyStores(ctx, f.contract.ID, f.contract.LegacyAccessToken)
	wantErr(t, err, pos.Unavailable, "")
	f.sim.Faults().Set(fault.Settings{})

	f.clock.Set(smaregisim.DefaultLegacyCutover)
	_, err = f.client.LegacyStores(ctx, f.contract.ID, f.contract.LegacyAccessToken)
	if e := wantErr(t, err, pos.CredentialsRefused, smaregi.ReasonLegacyRetired); e.Status != 410 {
		t.Errorf("status %d", e.Status)
	}
}

// Nobody listening is Unavailable, without the wait of a timeout.
func TestConnectionRefusedIsUnavailable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	c := smaregi.New(smaregi.Config{IDBaseURL: ts.URL, APIBaseURL: ts.URL, LegacyBaseURL: ts.URL, Timeout: time.Second})
	ctx := context.Background()
	_, err := c.AppToken(ctx, smaregi.Credentials{ContractID: "sk1", ClientID: "id", ClientSecret: "s"}, smaregi.Scopes...)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 0 || e.Account != "sk1" {
		t.Fatalf("token: %+v", e)
	}
	_, err = c.Stores(ctx, "sk1", "tok")
	wantErr(t, err, pos.Unavailable, "")
	_, err = c.LegacyStores(ctx, "sk1", "tok")
	wantErr(t, err, pos.Unavailable, "")
}

// A Retry-After given as a date is read against the client's clock, at
// the API and at the legacy API.
func TestRetryAfterDate(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", after.Add(90*time.Second).UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprint(w, `{"title":"Too Many Requests"}`)
	}))
	defer ts.Close()
	c := smaregi.New(smaregi.Config{APIBaseURL: ts.URL, LegacyBaseURL: ts.URL, Now: func() time.Time { return after }})
	_, err := c.Terminals(context.Background(), "sk1", "tok", "")
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 90*time.Second || e.Detail != "Too Many Requests" {
		t.Fatalf("terminals: %+v", e)
	}
	_, err = c.LegacyStores(context.Background(), "sk1", "tok")
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 90*time.Second {
		t.Fatalf("legacy: %+v", e)
	}
}
