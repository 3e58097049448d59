package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/sandbox"
	"github.com/poslink/poslink/internal/sim/simclock"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) {
	os.Exit(dbtest.Run(runFunc(func() int { return browsertest.Run(m) })))
}

type runFunc func() int

func (f runFunc) Run() int { return f() }

// testNow is the fixed clock of portal tests: a Monday noon in Tokyo.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.FixedZone("JST", 9*3600))

var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// env is a portal served over real HTTP on 127.0.0.1 with its own database,
// linked to the Ubiregi, Smaregi and camera-cloud simulators (sims) on a
// clock of their own (simClock, frozen at testNow until a test moves it).
type env struct {
	pool     *pgxpool.Pool
	store    *tenancy.Store
	links    *link.Store
	ubiregi  *ubiregilink.Service
	smaregi  *smaregilink.Service
	sims     *sandbox.Sandbox
	simClock *simclock.Clock
	srv      *httptest.Server
	portal   *portal.Server // the portal within srv's handler
	actor    audit.Actor
}

// newEnv serves the portal at its own base URL; configure changes the
// settings (as serve would read them) before it starts.
func newEnv(t *testing.T, configure ...func(*config.Config)) *env {
	t.Helper()
	pool := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	key, err := secret.NewKey("test1")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(key)

	// The portal's address is known before it serves, so that the
	// simulators can register its OAuth callback.
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	simClock := simclock.NewFrozen(testNow)
	sims, err := sandbox.Start(context.Background(), sandbox.Options{
		Seed: 2026, Clock: simClock, UbiregiAddr: "127.0.0.1:0", SmaregiAddr: "127.0.0.1:0", CameraAddr: "127.0.0.1:0",
		UbiregiRedirectURIs: []string{base + portal.UbiregiCallbackPath}, PortalURL: base,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sims.Close(ctx)
	})
	// The settings serve reads, pointed at the simulators.
	cfg, err := config.Parse("test", nil, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL, cfg.TimeZone, cfg.SecretKeys = base, tokyo, keys
	cfg.UbiregiURL, cfg.UbiregiClientID, cfg.UbiregiClientSecret =
		sims.Info.Ubiregi.BaseURL, sims.Info.Ubiregi.ClientID, sims.Info.Ubiregi.ClientSecret
	cfg.SmaregiIDURL, cfg.SmaregiAPIURL, cfg.SmaregiLegacyURL =
		sims.Info.Smaregi.IDBaseURL, sims.Info.Smaregi.APIBaseURL, sims.Info.Smaregi.LegacyBaseURL
	cfg.CameraURL = sims.Info.CameraCloud.BaseURL
	for _, f := range configure {
		f(&cfg)
	}
	opts := app.Options{
		Now: func() time.Time { return testNow }, ProviderNow: simClock.Now,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}
	svc, err := app.NewServices(pool, cfg, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Reads.Close)
	a, err := app.New(svc, cfg, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	// The live streams' listener, as Serve runs it.
	liveCtx, stopLive := context.WithCancel(context.Background())
	liveDone := make(chan struct{})
	go func() { defer close(liveDone); a.RunLive(liveCtx) }()
	t.Cleanup(func() { stopLive(); <-liveDone })
	return &env{portal: a.Portal(), pool: pool, store: a.Tenancy, links: a.Links, ubiregi: a.Ubiregi, smaregi: a.Smaregi, sims: sims,
		simClock: simClock, srv: srv, actor: audit.Actor{Label: "test"}}
}

func (e *env) tenant(t *testing.T, name string) tenancy.Tenant {
	t.Helper()
	tn, err := e.store.CreateTenant(context.Background(), e.actor, tenancy.TenantInput{Name: name})
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return tn
}

func (e *env) owner(t *testing.T, tenantID int64, email, pw string) tenancy.User {
	t.Helper()
	u, err := e.store.CreateOwner(context.Background(), e.actor, tenantID, tenancy.UserInput{Email: email, Password: pw})
	if err != nil {
		t.Fatalf("create owner: %v", err)
	}
	return u
}

func (e *env) staff(t *testing.T, email, pw string) tenancy.User {
	t.Helper()
	u, err := e.store.CreateStaff(context.Background(), e.actor, tenancy.UserInput{Email: email, Password: pw})
	if err != nil {
		t.Fatalf("create staff: %v", err)
	}
	return u
}

// camera adds a camera whose POS option is usable from usableFrom (off when
// zero).
func (e *env) camera(t *testing.T, tenantID int64, deviceID, name string, usableFrom time.Time) tenancy.Camera {
	t.Helper()
	ctx := context.Background()
	c, err := e.store.CreateCamera(ctx, e.actor, tenantID, tenancy.CameraInput{DeviceID: deviceID, Name: name, Model: "CC-2L_SF"})
	if err != nil {
		t.Fatalf("create camera: %v", err)
	}
	if !usableFrom.IsZero() {
		if err := e.store.SetPOSOption(ctx, e.actor, tenantID, c.ID, true, usableFrom); err != nil {
			t.Fatalf("enable POS option: %v", err)
		}
	}
	return c
}

// client is a browser-like HTTP client: it keeps cookies, sends the headers
// a same-origin form submission carries, and does not follow redirects.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	// origin overrides the Origin and Sec-Fetch-Site of POSTs, for CSRF tests.
	origin, fetchSite string
	lang              string
	// host, when set, is the Host header sent, as a proxy passes it on.
	host string
}

func (e *env) client(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: e.srv.URL, origin: e.srv.URL, fetchSite: "same-origin",
		http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs in through the login form and fails the test unless it worked.
func (e *env) login(t *testing.T, email, pw string) *client {
	t.Helper()
	c := e.client(t)
	res, body := c.postForm("/login", url.Values{"email": {email}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d, want 303; page:\n%s", email, res.StatusCode, body)
	}
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if c.host != "" {
		req.Host = c.host
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) postForm(path string, vals url.Values) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(vals.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", c.fetchSite)
	}
	return c.do(req)
}

// cookie returns the value of the named cookie the client holds.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// wantContains fails unless body contains every one of want.
func wantContains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
}

// newPortal builds a portal on services of the test's choosing.
func newPortal(t *testing.T, cfg portal.Config, deps portal.Deps) *portal.Server {
	t.Helper()
	s, err := portal.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
