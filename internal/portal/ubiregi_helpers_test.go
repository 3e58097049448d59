package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/sim/sandbox"
	"github.com/poslink/poslink/internal/tenancy"
)

// ubFixture is a portal with one owner logged in, whose tenant has two
// cameras usable for POS links (camA, camB), one usable only from the
// fourth day (camWait) and one without the option (camOff).
type ubFixture struct {
	e                           *env
	tenant                      tenancy.Tenant
	c                           *client
	camA, camB, camWait, camOff tenancy.Camera
}

func ubSetup(t *testing.T) *ubFixture {
	t.Helper()
	e := newEnv(t)
	f := &ubFixture{e: e, tenant: e.tenant(t, "カフェ")}
	e.owner(t, f.tenant.ID, ownerEmail, ownerPW)
	f.camA = e.camera(t, f.tenant.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -3))
	f.camB = e.camera(t, f.tenant.ID, "cam-entrance", "入口カメラ", testNow)
	f.camWait = e.camera(t, f.tenant.ID, "cam-new", "新設カメラ", testNow.AddDate(0, 0, 3))
	f.camOff = e.camera(t, f.tenant.ID, "cam-home", "自宅カメラ", time.Time{})
	f.c = e.login(t, ownerEmail, ownerPW)
	return f
}

// ubFetch is a request anywhere (the simulator's consent page too) with
// the client's cookies, not following redirects.
func ubFetch(t *testing.T, c *client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.do(req)
}

// ubConnect presses "Ubiregi OAuth2 連携" and returns where it leads.
func ubConnect(t *testing.T, c *client) string {
	t.Helper()
	res, body := c.postForm("/ubiregi/connect", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /ubiregi/connect: %d\n%s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

var ubRequestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// ubConsent goes through Ubiregi's consent page at authURL as the owner
// would (login, password, 許可する or 許可しない) and returns the portal
// path Ubiregi sends the browser back to. A browser that consented before
// is sent back at once.
func ubConsent(t *testing.T, c *client, authURL, login, pw, decision string) string {
	t.Helper()
	res, page := ubFetch(t, c, http.MethodGet, authURL, nil)
	if res.StatusCode == http.StatusOK {
		m := ubRequestIDRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no consent form at %s:\n%s", authURL, page)
		}
		wantContains(t, page, "許可する", "許可しない", "あなたのアカウントにアクセスすることを許可しますか")
		u, _ := url.Parse(authURL)
		res, page = ubFetch(t, c, http.MethodPost, u.Scheme+"://"+u.Host+"/oauth2/authorize", url.Values{
			"request_id": {m[1]}, "login": {login}, "password": {pw}, "decision": {decision}})
	}
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, c.base+"/ubiregi/callback?") {
		t.Fatalf("consent: %d → %q\n%s", res.StatusCode, loc, page)
	}
	return strings.TrimPrefix(loc, c.base)
}

// getFollow requests path, expects 303 and returns the page it leads to.
// getRefused GETs a page that refuses what its URL asks with a message on
// the page (400) and returns the page.
func getRefused(t *testing.T, c *client, path string) string {
	t.Helper()
	res, body := c.get(path)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("GET %s: %d, want 400\n%s", path, res.StatusCode, body)
	}
	return body
}

func getFollow(t *testing.T, c *client, path string) string {
	t.Helper()
	res, body := c.get(path)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET %s: %d, want 303\n%s", path, res.StatusCode, body)
	}
	res, body = c.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", res.Request.URL, res.StatusCode, body)
	}
	return body
}

// ubLink links the demo Ubiregi account through the whole consent and
// returns the page the owner lands on and the connection.
func (f *ubFixture) link(t *testing.T, c *client, tenantID int64) (string, link.Connection) {
	t.Helper()
	cb := ubConsent(t, c, ubConnect(t, c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	page := getFollow(t, c, cb)
	return page, f.e.ubConnection(t, tenantID)
}

// ubConnection is the tenant's only Ubiregi connection.
func (e *env) ubConnection(t *testing.T, tenantID int64) link.Connection {
	t.Helper()
	conns, err := e.links.Connections(context.Background(), tenantID, link.Ubiregi)
	if err != nil || len(conns) != 1 {
		t.Fatalf("tenant %d has Ubiregi connections %+v (%v), want one", tenantID, conns, err)
	}
	return conns[0]
}

// ubTerminals are the connection's terminals as Ubiregi lists them.
func (e *env) ubTerminals(t *testing.T, tenantID, connID int64) []link.Terminal {
	t.Helper()
	ts, err := e.ubiregi.Terminals(context.Background(), tenantID, connID)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (e *env) ubBindings(t *testing.T, tenantID, connID int64) map[string]int64 {
	t.Helper()
	bs, err := e.links.Bindings(context.Background(), tenantID, connID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range bs {
		out[b.Terminal.Key] = b.CameraID
	}
	return out
}

// ubGrant is a connection's stored grant, opened.
type ubGrant struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func (e *env) ubGrant(t *testing.T, tenantID, connID int64) (ubGrant, int) {
	t.Helper()
	var g ubGrant
	v, err := e.links.Credentials(context.Background(), tenantID, connID, &g)
	if err != nil || g.AccessToken == "" || g.RefreshToken == "" {
		t.Fatalf("credentials: %+v %v", g, err)
	}
	return g, v
}

// ubAssertNotStored fails if any of secrets is in the database as plain
// text: the connections (every column), the sessions or the audit log.
func (e *env) ubAssertNotStored(t *testing.T, secrets ...string) {
	t.Helper()
	var dump string
	if err := e.pool.QueryRow(context.Background(), `SELECT
		coalesce((SELECT string_agg(row_to_json(c)::text || encode(c.credentials, 'escape'), E'\n') FROM pos_connections c), '') ||
		coalesce((SELECT string_agg(encode(s.data, 'escape'), E'\n') FROM sessions s), '') ||
		coalesce((SELECT string_agg(row_to_json(a)::text, E'\n') FROM audit_log a), '')`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(dump, s) {
			t.Errorf("the database holds a secret in plain text (%d characters)", len(s))
		}
	}
}

// ubRow is the HTML of the table row of a terminal.
func ubRow(t *testing.T, page, terminal string) string {
	t.Helper()
	start := strings.Index(page, `data-terminal="`+terminal+`"`)
	if start < 0 {
		t.Fatalf("no row for terminal %s in:\n%s", terminal, page)
	}
	end := strings.Index(page[start:], "</tr>")
	return page[start : start+end]
}

// ubSelected reports whether the row's camera drop-down has cam chosen.
func ubSelected(row string, cam tenancy.Camera) bool {
	return strings.Contains(row, `<option value="`+itoa(cam.ID)+`" selected>`)
}

// ubAltPortal is a second portal on the same database whose Ubiregi is
// configured by cfg (a garbage server, a short timeout), logging to logs;
// the returned client is logged in there as the fixture's owner.
func (f *ubFixture) ubAltPortal(t *testing.T, cfg ubiregilink.Config, logs io.Writer) *client {
	t.Helper()
	e := f.e
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Logger = log
	if cfg.Now == nil {
		cfg.Now = e.simClock.Now
	}
	ub := ubiregilink.New(cfg, e.links)
	srv := httptest.NewServer(newPortal(t, portal.Config{SessionLifetime: time.Hour, SessionIdle: time.Hour, Location: tokyo},
		portal.Deps{Pool: e.pool, Tenancy: e.store, Auth: auth.New(e.pool, e.store, auth.DefaultPolicy, log), Links: e.links,
			Ubiregi: ub, Smaregi: e.smaregi, Logger: log, Ready: func(ctx context.Context) error { return nil }}))
	t.Cleanup(srv.Close)
	c := e.client(t)
	c.base, c.origin = srv.URL, srv.URL
	if res, body := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login at the second portal: %d\n%s", res.StatusCode, body)
	}
	return c
}
