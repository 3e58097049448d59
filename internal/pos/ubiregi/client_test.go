package ubiregi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
	simubiregi "github.com/poslink/poslink/internal/sim/ubiregi"
)

const (
	clientID     = "poslink-test"
	clientSecret = "secret/with+odd&chars"
	callback     = "http://127.0.0.1:1/ubiregi/callback"
	login        = "shop-owner"
	password     = "correct horse"
)

var t0 = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

type fixture struct {
	sim    *simubiregi.Server
	clock  *simclock.Clock
	ts     *httptest.Server
	client *ubiregi.Client
	acct   simubiregi.Account
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := simclock.NewFrozen(t0)
	sim := simubiregi.New(simubiregi.Config{Seed: 7, Clock: clock, HistoryFrom: t0.AddDate(0, 0, -2)})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	if err := sim.RegisterClient(simubiregi.Client{ID: clientID, Secret: clientSecret, RedirectURIs: []string{callback}, Name: "poslink"}); err != nil {
		t.Fatal(err)
	}
	acct, err := sim.CreateAccount(simubiregi.Account{Login: login, Password: password, Name: "カフェ", Devices: 3})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sim: sim, clock: clock, ts: ts, acct: acct, client: ubiregi.New(ubiregi.Config{
		BaseURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: callback, Timeout: 2 * time.Second,
	})}
}

var requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// consent goes through the simulator's consent page as the owner would and
// returns the query Ubiregi sends back to the callback.
func (f *fixture) consent(t *testing.T, state, verifier, decision string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := b.Get(f.client.AuthCodeURL(state, verifier))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := requestIDRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no consent form:\n%s", page)
	}
	res, err = b.PostForm(f.ts.URL+"/oauth2/authorize", url.Values{"request_id": {string(m[1])},
		"login": {login}, "password": {password}, "decision": {decision}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), callback) {
		t.Fatalf("consent ended at %q (%v)", res.Header.Get("Location"), err)
	}
	return loc.Query()
}

// wantErr fails unless err is a *pos.Error of Ubiregi's of the class and
// reason.
// wantErr checks err's class and reason and returns a copy of it (a value,
// not an error, so that callers may ignore it).
func wantErr(t *testing.T, err error, class pos.Class, reason string) pos.Error {
	t.Helper()
	e, ok := pos.AsError(err)
	if !ok || e.Provider != "ubiregi" || e.Class != class || e.Reason != reason {
		t.Fatalf("error %v, want a ubiregi error of class %v, reason %q", err, class, reason)
	}
	return *e
}

func TestExchangeReadsTheGrantAndTheAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	verifier := ubiregi.NewVerifier()
	q := f.consent(t, "state-1", verifier, "allow")
	if q.Get("state") != "state-1" || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	tok, err := f.client.Exchange(ctx, q.Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.AccountID != f.acct.ID ||
		tok.ExpiresIn != 24*time.Hour || tok.RefreshExpiresIn != 14*24*time.Hour {
		t.Fatalf("token %+v", tok)
	}
	acct, err := f.client.AccountCurrent(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if acct.ID != f.acct.ID || acct.Name != "カフェ" || len(acct.Devices) != 3 || acct.Devices[0].Name != "レジ1" || acct.Devices[0].GUID == "" {
		t.Fatalf("account %+v", acct)
	}

	// A code is good once.
	_, err = f.client.Exchange(ctx, q.Get("code"), verifier)
	wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonInvalidGrant)
	if strings.Contains(err.Error(), q.Get("code")) {
		t.Fatal("the error names the code")
	}
}

func TestExchangeNeedsTheVerifier(t *testing.T) {
	f := newFixture(t)
	q := f.consent(t, "s", ubiregi.NewVerifier(), "allow")
	_, err := f.client.Exchange(context.Background(), q.Get("code"), ubiregi.NewVerifier())
	wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonInvalidGrant)
}

func TestDenyComesBackAsAccessDenied(t *testing.T) {
	f := newFixture(t)
	q := f.consent(t, "s", ubiregi.NewVerifier(), "deny")
	if q.Get("error") != "access_denied" || q.Has("code") {
		t.Fatalf("callback query %v", q)
	}
}

func TestRefreshRotatesThePair(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, err := f.sim.IssueToken(clientID, f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	next, err := f.client.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == first.AccessToken || next.RefreshToken == first.RefreshToken || next.ExpiresIn != 24*time.Hour {
		t.Fatalf("refresh gave %+v", next)
	}
	_, err = f.client.Refresh(ctx, first.RefreshToken)
	wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonInvalidGrant)
	_, err = f.client.AccountCurrent(ctx, first.AccessToken)
	wantErr(t, err, pos.TokenRefused, ubiregi.ReasonInvalidToken)
	if _, err := f.client.AccountCurrent(ctx, next.AccessToken); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{first.AccessToken, first.RefreshToken, next.AccessToken} {
		if strings.Contains(err.Error(), secret) {
			t.Fatal("an error names a token")
		}
	}
}

func TestExpiredAndRevokedTokens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tok, _ := f.sim.IssueToken(clientID, f.acct.ID)
	f.clock.Advance(25 * time.Hour)
	_, err := f.client.AccountCurrent(ctx, tok.AccessToken)
	wantErr(t, err, pos.TokenRefused, ubiregi.ReasonTokenExpired)
	// The refresh token outlives it.
	next, err := f.client.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	f.sim.RevokeAccount(f.acct.ID)
	_, err = f.client.AccountCurrent(ctx, next.AccessToken)
	wantErr(t, err, pos.TokenRefused, ubiregi.ReasonInvalidToken)
	_, err = f.client.Refresh(ctx, next.RefreshToken)
	wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonInvalidGrant)
}

func TestExpiredSubscriptionIsRefused(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.sim.IssueToken(clientID, f.acct.ID)
	if err := f.sim.SetExpired(f.acct.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.AccountCurrent(context.Background(), tok.AccessToken)
	if e := wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonSubscription); e.Status != 402 {
		t.Fatalf("expired subscription: %v", err)
	}
}

// Down, failing, slow and unreachable are Unavailable; a 429 is
// RateLimited with Ubiregi's Retry-After; at the API and at the token
// endpoint alike.
func TestDownSlowAndRateLimited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tok, _ := f.sim.IssueToken(clientID, f.acct.ID)
	f.sim.Faults().Set(fault.Settings{ErrorRate: 1})
	_, err := f.client.AccountCurrent(ctx, tok.AccessToken)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Status != 503 {
		t.Fatalf("503 from the API: %v", err)
	}
	_, err = f.client.Refresh(ctx, tok.RefreshToken)
	wantErr(t, err, pos.Unavailable, "")

	f.sim.Faults().Set(fault.Settings{Burst429: 2, RetryAfter: fault.Duration(7 * time.Second)})
	_, err = f.client.AccountCurrent(ctx, tok.AccessToken)
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 7*time.Second || pos.RetryAfter(err) != 7*time.Second {
		t.Fatalf("429 from the API: %v", err)
	}
	_, err = f.client.Exchange(ctx, "code", "verifier")
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 7*time.Second {
		t.Fatalf("429 from the token endpoint: %v", err)
	}

	f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(400 * time.Millisecond)})
	slow := ubiregi.New(ubiregi.Config{BaseURL: f.ts.URL, ClientID: clientID, ClientSecret: clientSecret, Timeout: 100 * time.Millisecond})
	_, err = slow.AccountCurrent(ctx, tok.AccessToken)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 100*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow API: %v", err)
	}
	_, err = slow.Refresh(ctx, tok.RefreshToken)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 100*time.Millisecond {
		t.Fatalf("slow token endpoint: %v", err)
	}

	f.ts.Close()
	_, err = f.client.AccountCurrent(ctx, tok.AccessToken)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 0 || e.Status != 0 {
		t.Fatalf("connection refused: %v", err)
	}
	_, err = f.client.Refresh(ctx, tok.RefreshToken)
	wantErr(t, err, pos.Unavailable, "")
}

// A Retry-After given as a date is read against the client's clock.
func TestRetryAfterDate(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", t0.Add(90*time.Second).Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(ts.Close)
	cl := ubiregi.New(ubiregi.Config{BaseURL: ts.URL, Timeout: time.Second, Now: func() time.Time { return t0 }})
	_, err := cl.AccountCurrent(context.Background(), "token")
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != 90*time.Second {
		t.Fatalf("retry after %v", e.RetryAfter)
	}
}

// garbage serves body with status and content type at every path.
func garbage(t *testing.T, status int, contentType, body string) *ubiregi.Client {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ubiregi.New(ubiregi.Config{BaseURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret, Timeout: time.Second})
}

func TestGarbageIsMalformed(t *testing.T) {
	ctx := context.Background()
	html := "<html><body>メンテナンス中</body></html>"
	for name, c := range map[string]struct {
		status      int
		contentType string
		body        string
	}{
		"html":              {200, "text/html", html},
		"html 404":          {404, "text/html", html},
		"array":             {200, "application/json", `[1,2,3]`},
		"no account":        {200, "application/json", `{"timestamp":"2026-11-23T03:00:00Z"}`},
		"id as text":        {200, "application/json", `{"account":{"id":"36872"}}`},
		"device sans guid":  {200, "application/json", `{"account":{"id":1,"devices":[{"name":"レジ1"}]}}`},
		"duplicate devices": {200, "application/json", `{"account":{"id":1,"devices":[{"guid":"A"},{"guid":"A"}]}}`},
		"trailing data":     {200, "application/json", `{"account":{"id":1}} {"account":{"id":2}}`},
		"truncated":         {200, "application/json", `{"account":{"id":1,"devices":[`},
		"too large":         {200, "application/json", `{"account":{"id":1,"name":"` + strings.Repeat("x", 5<<20) + `"}}`},
		"304":               {304, "application/json", ``},
	} {
		t.Run(name, func(t *testing.T) {
			want := pos.Malformed
			if c.status == 404 {
				want = pos.NotFound
			}
			cl := garbage(t, c.status, c.contentType, c.body)
			_, err := cl.AccountCurrent(ctx, "token")
			wantErr(t, err, want, "")
			if c.status == 304 || name == "too large" {
				return
			}
			_, err = cl.Exchange(ctx, "code", "verifier")
			wantErr(t, err, want, "")
			_, err = cl.Refresh(ctx, "refresh")
			wantErr(t, err, want, "")
		})
	}
	// A token answer without a refresh token cannot keep a link alive.
	cl := garbage(t, 200, "application/json", `{"access_token":"a","token_type":"bearer","expires_in":86400}`)
	_, err := cl.Exchange(ctx, "code", "verifier")
	wantErr(t, err, pos.Malformed, "")
}

func TestInvalidClientIsRefused(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.sim.IssueToken(clientID, f.acct.ID)
	wrong := ubiregi.New(ubiregi.Config{BaseURL: f.ts.URL, ClientID: clientID, ClientSecret: "wrong"})
	_, err := wrong.Refresh(context.Background(), tok.RefreshToken)
	if e := wantErr(t, err, pos.CredentialsRefused, ubiregi.ReasonInvalidClient); e.Status != 401 {
		t.Fatalf("wrong client secret: %v", err)
	}
}
