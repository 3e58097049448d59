package portal

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/tenancy"
)

// outageClient is a browser-like client of srv: cookies, a same-origin
// form's headers, redirects not followed.
type outageClient struct {
	t    *testing.T
	srv  *httptest.Server
	http *http.Client
}

func newOutageClient(t *testing.T, srv *httptest.Server) *outageClient {
	jar, _ := cookiejar.New(nil)
	return &outageClient{t: t, srv: srv, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *outageClient) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// Finding 7 of the audit: with PostgreSQL out of reach, /readyz said 503
// but a page with a session and POST /login answered 500. Now every answer
// that needed the database is 503 with Retry-After and says the service is
// briefly unavailable — the HTML pages, the login form, and a JSON route
// (problem+json) on the same pipeline — and when the database is back the
// same sessions work again without a restart.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := tenancy.NewStore(pool, time.Now, time.UTC)
	actor := audit.Actor{Label: "test"}
	tn, err := store.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "店"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: "owner@shop.example", Password: "owner-password-1"}); err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, Config{SessionLifetime: time.Hour, SessionIdle: time.Hour, Location: time.UTC},
		Deps{Pool: pool, Tenancy: store, Auth: auth.New(pool, store, auth.DefaultPolicy, log), Logger: log,
			Ready: func(ctx context.Context) error { return pool.Ping(ctx) }})
	// A JSON route on the portal's own pipeline, as the viewer API will be.
	s.router.Route("/api/cameras", func(r chi.Router) {
		r.Use(httpx.JSON, s.answers.CrossOrigin(s.site), httpx.LimitBody(maxBodyBytes), s.answers.CheckInput,
			s.sessions.LoadAndSave, s.loadUser)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			u := currentUser(r.Context())
			if u == nil {
				s.respond(w, r, apperr.New(apperr.Forbidden, "err.forbidden"))
				return
			}
			cams, err := s.deps.Tenancy.Cameras(r.Context(), u.TenantID)
			if err != nil {
				s.respond(w, r, err)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(cams)
		})
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	owner := newOutageClient(t, srv)
	login := url.Values{"email": {"owner@shop.example"}, "password": {"owner-password-1"}}
	if res, body := owner.do(http.MethodPost, "/login", login); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", res.StatusCode, body)
	}
	for _, p := range []string{"/cameras", "/api/cameras", "/readyz"} {
		if res, body := owner.do(http.MethodGet, p, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s before the outage: %d\n%s", p, res.StatusCode, body)
		}
	}

	admin, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the database is open again before this
	// connection closes.
	t.Cleanup(func() { _ = admin.Close(context.Background()) })
	name := pgx.Identifier{pool.Config().ConnConfig.Database}.Sanitize()
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS "+map[bool]string{true: "true", false: "false"}[on]); err != nil {
			t.Fatal(err)
		}
	}
	allow(false)
	t.Cleanup(func() { allow(true) })
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
		pool.Config().ConnConfig.Database); err != nil {
		t.Fatal(err)
	}

	message := i18n.T(i18n.JA, "err.db_unavailable")
	wantUnavailable := func(what string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "10" || !strings.Contains(body, message) {
			t.Errorf("%s during the outage: %d, Retry-After %q\n%s", what, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	for _, p := range []string{"/cameras", "/", "/smaregi/new"} {
		res, body := owner.do(http.MethodGet, p, nil)
		wantUnavailable("GET "+p+" with a session", res, body)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "ただいま利用できません") {
			t.Errorf("GET %s: %s, not the error page", p, ct)
		}
	}
	res, body := newOutageClient(t, srv).do(http.MethodPost, "/login", login)
	wantUnavailable("POST /login", res, body)
	res, body = owner.do(http.MethodGet, "/api/cameras", nil)
	wantUnavailable("the JSON route", res, body)
	var p httpx.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil || res.Header.Get("Content-Type") != "application/problem+json" ||
		p.Type != "/problems/unavailable" || p.RetryAfter != 10 {
		t.Errorf("the JSON route: %s %s", res.Header.Get("Content-Type"), body)
	}
	if res, _ := owner.do(http.MethodGet, "/readyz", nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d", res.StatusCode)
	}
	// What needs no database still answers.
	if res, _ := newOutageClient(t, srv).do(http.MethodGet, "/login", nil); res.StatusCode != http.StatusOK {
		t.Errorf("the login page without a session during the outage: %d", res.StatusCode)
	}

	// Back: the same process, the same session.
	allow(true)
	for _, p := range []string{"/cameras", "/api/cameras", "/readyz"} {
		if res, body := owner.do(http.MethodGet, p, nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s after the outage: %d\n%s", p, res.StatusCode, body)
		}
	}
	if res, body := newOutageClient(t, srv).do(http.MethodPost, "/login", login); res.StatusCode != http.StatusSeeOther {
		t.Errorf("login after the outage: %d\n%s", res.StatusCode, body)
	}
}
