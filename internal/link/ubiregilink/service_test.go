package ubiregilink

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
	simubiregi "github.com/poslink/poslink/internal/sim/ubiregi"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	clientID     = "poslink-test"
	clientSecret = "test-secret"
	callback     = "http://127.0.0.1:1/ubiregi/callback"
)

var (
	t0    = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	actor = audit.Actor{Label: "test"}
)

type fixture struct {
	ctx     context.Context
	svc     *Service
	links   *link.Store
	sim     *simubiregi.Server
	clock   *simclock.Clock
	ts      *httptest.Server
	logs    *bytes.Buffer
	refresh atomic.Int32 // refresh_token requests the simulator got
	hang    atomic.Pointer[hang]
	tenant  tenancy.Tenant
	camera  tenancy.Camera
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	f := &fixture{ctx: context.Background(), clock: simclock.NewFrozen(t0), logs: &bytes.Buffer{}}
	f.sim = simubiregi.New(simubiregi.Config{Seed: 3, Clock: f.clock, HistoryFrom: t0.AddDate(0, 0, -1)})
	f.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" && r.FormValue("grant_type") == "refresh_token" {
			f.refresh.Add(1)
			if h := f.hang.Load(); h != nil {
				h.enter()
				select {
				case <-h.release:
				case <-r.Context().Done():
					return
				}
			}
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(f.ts.Close)
	if err := f.sim.RegisterClient(simubiregi.Client{ID: clientID, Secret: clientSecret, RedirectURIs: []string{callback}, Name: "poslink"}); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	ts := tenancy.NewStore(pool, now, time.UTC)
	key, _ := secret.NewKey("k1")
	kr, _ := secret.NewKeyring(key)
	f.links = link.NewStore(pool, kr, ts, now)
	f.svc = f.service(time.Second)
	var err error
	if f.tenant, err = ts.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if f.camera, err = ts.CreateCamera(f.ctx, actor, f.tenant.ID, tenancy.CameraInput{DeviceID: "cam-1", Name: "レジ前"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.SetPOSOption(f.ctx, actor, f.tenant.ID, f.camera.ID, true, ts.Today()); err != nil {
		t.Fatal(err)
	}
	return f
}

// service is a Service of the fixture whose calls to Ubiregi time out
// after timeout.
func (f *fixture) service(timeout time.Duration) *Service {
	return New(Config{BaseURL: f.ts.URL, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: callback,
		Timeout: timeout, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, f.links)
}

// hang holds the refresh_token requests that reach Ubiregi until the test
// releases them.
type hang struct {
	entered chan struct{} // a refresh is being held
	release chan struct{}
	once    sync.Once
}

func (h *hang) enter() {
	select {
	case h.entered <- struct{}{}:
	default:
	}
}

// hangRefreshes makes Ubiregi hold every refresh until the returned hang
// is released (at the latest when the test ends).
func (f *fixture) hangRefreshes(t *testing.T) *hang {
	h := &hang{entered: make(chan struct{}, 1), release: make(chan struct{})}
	f.hang.Store(h)
	t.Cleanup(h.free)
	return h
}

func (h *hang) free() { h.once.Do(func() { close(h.release) }) }

func (f *fixture) account(t *testing.T, login string, devices int) simubiregi.Account {
	t.Helper()
	a, err := f.sim.CreateAccount(simubiregi.Account{Login: login, Password: "pw-" + login, Name: "店舗 " + login, Devices: devices})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// code goes through the consent page for the account and returns the code.
func (f *fixture) code(t *testing.T, a simubiregi.Account, state, verifier string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := b.Get(f.svc.AuthURL(state, verifier))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := requestIDRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no consent page:\n%s", page)
	}
	res, err = b.PostForm(f.ts.URL+"/oauth2/authorize", url.Values{"request_id": {string(m[1])},
		"login": {a.Login}, "password": {a.Password}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
		t.Fatalf("consent came back with %q", res.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// link links the account to the tenant through consent and Complete.
func (f *fixture) link(t *testing.T, a simubiregi.Account) link.Connection {
	t.Helper()
	state, verifier := NewConsent()
	conn, err := f.svc.Complete(f.ctx, actor, f.tenant.ID, f.code(t, a, state, verifier), verifier)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func (f *fixture) creds(t *testing.T, connID int64) (credentials, int) {
	t.Helper()
	var c credentials
	v, err := f.links.Credentials(f.ctx, f.tenant.ID, connID, &c)
	if err != nil {
		t.Fatal(err)
	}
	return c, v
}

func TestCompleteLinksOnceAndRelinksInPlace(t *testing.T) {
	f := newFixture(t)
	a := f.account(t, "cafe", 2)
	conn := f.link(t, a)
	if conn.ExternalID != strconv.FormatInt(a.ID, 10) || conn.Name != "店舗 cafe" || conn.AuthKind != link.OAuth2 {
		t.Fatalf("connection %+v", conn)
	}
	c, _ := f.creds(t, conn.ID)
	if c.AccessToken == "" || c.RefreshToken == "" || !c.Expiry.Equal(t0.Add(24*time.Hour)) ||
		!c.RefreshExpiry.Equal(t0.Add(14*24*time.Hour)) || !conn.AccessExpiresAt.Equal(c.Expiry) {
		t.Fatalf("stored grant: expiry %v, refresh expiry %v, column %v", c.Expiry, c.RefreshExpiry, conn.AccessExpiresAt)
	}
	again := f.link(t, a)
	if again.ID != conn.ID || again.CredentialsVersion != 2 {
		t.Fatalf("relink: %+v", again)
	}
	ts, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	if err != nil || len(ts) != 2 || ts[0].Name != "レジ1" {
		t.Fatalf("terminals %+v (%v)", ts, err)
	}
	f.noSecretsLogged(t, c.AccessToken, c.RefreshToken)
}

func TestCompleteRefusals(t *testing.T) {
	f := newFixture(t)
	a := f.account(t, "cafe", 1)
	state, verifier := NewConsent()
	code := f.code(t, a, state, verifier)

	f.sim.Faults().Set(fault.Settings{ErrorRate: 1})
	_, err := f.svc.Complete(f.ctx, actor, f.tenant.ID, code, verifier)
	if e, ok := apperr.As(err); !ok || e.Key != "err.ubiregi_unavailable" || e.Kind != apperr.Unavailable {
		t.Fatalf("Ubiregi down: %v", err)
	}
	f.sim.Faults().Set(fault.Settings{})
	// The failed exchange never reached the token endpoint: the code still works once.
	if _, err := f.svc.Complete(f.ctx, actor, f.tenant.ID, code, verifier); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Complete(f.ctx, actor, f.tenant.ID, code, verifier)
	if e, ok := apperr.As(err); !ok || e.Key != "err.ubiregi_code_invalid" {
		t.Fatalf("used code: %v", err)
	}
	if !errors.Is(AuthorizeError("access_denied"), ErrDenied) {
		t.Fatal("access_denied is not ErrDenied")
	}
	if e, _ := apperr.As(AuthorizeError(`<script>`)); e.Args[0] != "unknown" {
		t.Fatalf("odd error code repeated: %v", e.Args)
	}
}

// Eight page loads after the access token's expiry: one refresh at Ubiregi,
// every load gets the new token, nothing is marked 要再認証.
func TestConcurrentRefreshesRotateOnce(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.account(t, "cafe", 3))
	old, v := f.creds(t, conn.ID)
	f.clock.Advance(24*time.Hour + time.Minute)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.refresh.Load(); n != 1 {
		t.Fatalf("%d refreshes at Ubiregi, want 1", n)
	}
	now, v2 := f.creds(t, conn.ID)
	got, _ := f.links.Connection(f.ctx, f.tenant.ID, conn.ID)
	if v2 != v+1 || now.RefreshToken == old.RefreshToken || got.Status != link.Active ||
		!now.Expiry.Equal(f.clock.Now().Add(24*time.Hour)) || !got.AccessExpiresAt.Equal(now.Expiry) {
		t.Fatalf("after refresh: version %d→%d, status %s, expiry %v", v, v2, got.Status, now.Expiry)
	}
	f.noSecretsLogged(t, old.AccessToken, old.RefreshToken, now.AccessToken, now.RefreshToken)
}

// 更新 does not wait for Ubiregi: while the background refresher's call
// to Ubiregi hangs, binding a terminal (from the device list the page read
// a moment ago) completes, and the refresh is saved once Ubiregi answers.
func TestBindWhileUbiregiHangsOnARefresh(t *testing.T) {
	f := newFixture(t)
	f.svc = f.service(time.Minute)
	conn := f.link(t, f.account(t, "cafe", 2))
	// The owner reads the page a few minutes before the token is due.
	f.clock.Advance(23*time.Hour + 27*time.Minute)
	ts, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	if err != nil || f.refresh.Load() != 0 {
		t.Fatalf("page load: %v, %d refreshes", err, f.refresh.Load())
	}
	// The grant comes due; the background refresher calls Ubiregi, which hangs.
	f.clock.Advance(4 * time.Minute)
	h := f.hangRefreshes(t)
	done := make(chan int, 1)
	go func() { done <- f.svc.RefreshDue(f.ctx) }()
	<-h.entered

	// The bound only keeps a regression from hanging the test.
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if _, err := f.svc.Bind(ctx, actor, f.tenant.ID, conn.ID, ts[1].Key, f.camera.ID, link.AnyBinding); err != nil {
		t.Fatalf("更新 while Ubiregi hangs: %v", err)
	}
	select {
	case n := <-done:
		t.Fatalf("the refresh ended (%d refreshed) before 更新 was through: 更新 waited for Ubiregi", n)
	default:
	}
	if bs, _ := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID); len(bs) != 1 || bs[0].Terminal.Key != ts[1].Key {
		t.Fatalf("bindings %+v", bs)
	}

	h.free()
	if n := <-done; n != 1 || f.refresh.Load() != 1 {
		t.Fatalf("RefreshDue refreshed %d with %d calls", n, f.refresh.Load())
	}
	if c, v := f.creds(t, conn.ID); v != 2 || !c.Expiry.Equal(f.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("after the refresh: v%d, expiry %v", v, c.Expiry)
	}
}

// The owner consents again while a refresh of the old grant hangs at
// Ubiregi: the refresh, saving with compare-and-swap, loses to the new
// grant and hands out its token; nothing is marked 要再認証.
func TestRefreshLosesToANewConsent(t *testing.T) {
	f := newFixture(t)
	f.svc = f.service(time.Minute)
	a := f.account(t, "cafe", 1)
	conn := f.link(t, a)
	f.clock.Advance(24*time.Hour + time.Minute)
	h := f.hangRefreshes(t)
	type result struct {
		ts  []link.Terminal
		err error
	}
	done := make(chan result, 1)
	go func() {
		ts, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
		done <- result{ts, err}
	}()
	<-h.entered

	if again := f.link(t, a); again.ID != conn.ID || again.CredentialsVersion != 2 {
		t.Fatalf("consent again: %+v", again)
	}
	consented, _ := f.creds(t, conn.ID)
	h.free()
	r := <-done
	if r.err != nil || len(r.ts) != 1 {
		t.Fatalf("page load across the race: %v %v", r.ts, r.err)
	}
	now, v := f.creds(t, conn.ID)
	got, _ := f.links.Connection(f.ctx, f.tenant.ID, conn.ID)
	if v != 2 || now.AccessToken != consented.AccessToken || now.RefreshToken != consented.RefreshToken || got.Status != link.Active {
		t.Fatalf("the refresh overwrote the new grant: v%d, status %s", v, got.Status)
	}
}

// The background refresher skips a grant another instance is refreshing,
// without calling Ubiregi, and takes it over once that lease has lapsed.
func TestRefreshDueSkipsALeasedGrant(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.account(t, "cafe", 1))
	f.clock.Advance(24*time.Hour - time.Minute)
	var cr credentials
	claim, err := f.links.ClaimRefresh(f.ctx, f.tenant.ID, conn.ID, time.Hour, &cr)
	if err != nil || !claim.Held() {
		t.Fatalf("claim: %v", err)
	}
	if n := f.svc.RefreshDue(f.ctx); n != 0 || f.refresh.Load() != 0 {
		t.Fatalf("a leased grant: %d refreshed, %d calls", n, f.refresh.Load())
	}
	// The other instance died: its lease runs out on the database's clock.
	if _, err := f.links.Pool().Exec(f.ctx, `UPDATE pos_connections SET refresh_lease_until = now() - interval '1 second'
		WHERE id = $1`, conn.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.svc.RefreshDue(f.ctx); n != 1 || f.refresh.Load() != 1 {
		t.Fatalf("a lapsed lease: %d refreshed, %d calls", n, f.refresh.Load())
	}
}

func TestRefusedRefreshMarksReauth(t *testing.T) {
	f := newFixture(t)
	a := f.account(t, "cafe", 2)
	conn := f.link(t, a)
	ts, _ := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	if _, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, ts[0].Key, f.camera.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	f.sim.RevokeAccount(a.ID)
	// The token is not due: the API refuses it, the forced refresh is refused.
	if _, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID); !errors.Is(err, ErrReauthRequired) {
		t.Fatalf("revoked grant: %v", err)
	}
	got, _ := f.links.Connection(f.ctx, f.tenant.ID, conn.ID)
	if got.Status != link.ReauthRequired || got.StatusDetail == "" {
		t.Fatalf("status %q %q", got.Status, got.StatusDetail)
	}
	// Marked: Ubiregi is not asked again until the owner consents again.
	before := f.refresh.Load()
	if _, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID); !errors.Is(err, ErrReauthRequired) || f.refresh.Load() != before {
		t.Fatalf("second load: %v, %d refreshes", err, f.refresh.Load()-before)
	}
	if _, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, ts[1].Key, f.camera.ID, link.AnyBinding); !errors.Is(err, ErrReauthRequired) {
		t.Fatalf("bind while 要再認証: %v", err)
	}
	again := f.link(t, a)
	bs, _ := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID)
	if again.ID != conn.ID || again.Status != link.Active || len(bs) != 1 {
		t.Fatalf("after consenting again: %+v, %d bindings", again, len(bs))
	}
}

func TestRefreshDue(t *testing.T) {
	f := newFixture(t)
	due := f.link(t, f.account(t, "due", 1))
	revoked := f.account(t, "revoked", 1)
	gone := f.link(t, revoked)
	f.sim.RevokeAccount(revoked.ID)
	f.clock.Advance(3 * time.Hour)
	fresh := f.link(t, f.account(t, "fresh", 1))

	// 23 h 40 min after the first links: within the margin of two, not of the third.
	f.clock.Advance(20*time.Hour + 40*time.Minute)
	if n := f.svc.RefreshDue(f.ctx); n != 1 {
		t.Fatalf("RefreshDue refreshed %d, want 1", n)
	}
	status := func(id int64) link.Status {
		c, _ := f.links.Connection(f.ctx, f.tenant.ID, id)
		return c.Status
	}
	if c, _ := f.creds(t, due.ID); !c.Expiry.Equal(f.clock.Now().Add(24 * time.Hour)) {
		t.Fatalf("due connection expires %v", c.Expiry)
	}
	if _, v := f.creds(t, fresh.ID); v != 1 || status(fresh.ID) != link.Active {
		t.Fatal("the fresh connection was refreshed")
	}
	if status(gone.ID) != link.ReauthRequired {
		t.Fatal("the revoked connection is not 要再認証")
	}
	if n := f.svc.RefreshDue(f.ctx); n != 0 {
		t.Fatalf("second run refreshed %d", n)
	}
}

func TestBindNeedsADeviceOfTheAccount(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.account(t, "cafe", 2))
	other := f.account(t, "other", 1)
	otherConnTS, _ := f.sim.IssueToken(clientID, other.ID)
	otherAcct, _ := f.svc.api.AccountCurrent(f.ctx, otherConnTS.AccessToken)

	for name, c := range map[string]struct {
		key    string
		camera int64
		want   error
	}{
		"another account's device": {otherAcct.Devices[0].GUID, f.camera.ID, ErrTerminalUnknown},
		"no terminal":              {" ", f.camera.ID, ErrTerminalRequired},
		"no camera":                {otherAcct.Devices[0].GUID, 0, ErrCameraRequired},
	} {
		if _, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, c.key, c.camera, link.AnyBinding); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.svc.Bind(f.ctx, actor, f.tenant.ID+1, conn.ID, "x", f.camera.ID, link.AnyBinding); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("another tenant's connection: %v", err)
	}
	if bs, _ := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID); len(bs) != 0 {
		t.Fatalf("refused binds saved %+v", bs)
	}
	// A device added at Ubiregi after the page was read is found.
	ts, _ := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	f.svc.devices.put(f.tenant.ID, conn.ID, ts[:1])
	if t2, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, ts[1].Key, f.camera.ID, link.AnyBinding); err != nil || t2.Name != "レジ2" {
		t.Fatalf("bind a device missing from the cached list: %+v %v", t2, err)
	}
	// A Smaregi connection is not found here.
	sm, err := f.links.Save(f.ctx, actor, f.tenant.ID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: "sk1",
		AuthKind: link.ClientCredentials, Credentials: map[string]string{"client_id": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Terminals(f.ctx, f.tenant.ID, sm.ID); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("smaregi connection: %v", err)
	}
}

func (f *fixture) noSecretsLogged(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && bytes.Contains(f.logs.Bytes(), []byte(s)) {
			t.Fatal("a token was logged")
		}
	}
}
