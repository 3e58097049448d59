package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dbtest"
)

// sessionRig is the session manager New builds, on a database of its own
// and a clock the test moves, behind two routes: POST /login starts a
// session, GET /page answers 200 while it lasts and 401 after.
type sessionRig struct {
	t       *testing.T
	pool    *pgxpool.Pool
	store   *sessionStore
	handler http.Handler
	now     time.Time
	cookie  *http.Cookie
}

const (
	rigLifetime = 12 * time.Hour
	rigIdle     = 2 * time.Hour
)

func newSessionRig(t *testing.T) *sessionRig {
	t.Helper()
	pool := dbtest.New(t)
	srv := mustNew(t, Config{SessionLifetime: rigLifetime, SessionIdle: rigIdle, Location: time.UTC},
		Deps{Pool: pool, Logger: slog.New(slog.DiscardHandler)})
	r := &sessionRig{t: t, pool: pool, store: srv.sessions.Store.(*sessionStore), now: time.Now()}
	r.store.now = func() time.Time { return r.now }
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, req *http.Request) {
		if err := srv.sessions.RenewToken(req.Context()); err != nil {
			t.Error(err)
		}
		srv.sessions.Put(req.Context(), sessUserID, int64(1))
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, req *http.Request) {
		if srv.sessions.GetInt64(req.Context(), sessUserID) == 0 {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	r.handler = srv.sessions.LoadAndSave(mux)
	return r
}

func (r *sessionRig) do(method, path string) int {
	r.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if r.cookie != nil {
		req.AddCookie(r.cookie)
	}
	rec := httptest.NewRecorder()
	r.handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "poslink_session" {
			r.cookie = c
		}
	}
	return rec.Code
}

func (r *sessionRig) login() {
	r.t.Helper()
	if code := r.do(http.MethodPost, "/login"); code != http.StatusOK || r.cookie == nil {
		r.t.Fatalf("login: %d, cookie %v", code, r.cookie)
	}
}

// view is a page view at the rig's clock; it fails the test unless the
// session still holds.
func (r *sessionRig) view() {
	r.t.Helper()
	if code := r.do(http.MethodGet, "/page"); code != http.StatusOK {
		r.t.Fatalf("page view at +%v: %d, want 200 (still logged in)", time.Until(r.now).Round(time.Minute), code)
	}
}

func (r *sessionRig) loggedOut() bool {
	r.t.Helper()
	return r.do(http.MethodGet, "/page") == http.StatusUnauthorized
}

// row is the session's row version (xmin changes with every update) and
// stored expiry.
func (r *sessionRig) row() (version string, expiry time.Time) {
	r.t.Helper()
	err := r.pool.QueryRow(context.Background(), `SELECT xmin::text, expiry FROM sessions WHERE token = $1`,
		tokenKey(r.cookie.Value)).Scan(&version, &expiry)
	if err != nil {
		r.t.Fatalf("session row: %v", err)
	}
	return version, expiry
}

// Page views that change nothing in the session write nothing to
// `sessions`; the expiry moves again once it lags more than a minute.
func TestSessionPageViewsWriteNothing(t *testing.T) {
	r := newSessionRig(t)
	r.login()
	version, expiry := r.row()
	for range 20 {
		r.now = r.now.Add(2 * time.Second)
		r.view()
	}
	if v, e := r.row(); v != version || !e.Equal(expiry) {
		t.Fatalf("20 page views within a minute updated the session row (xmin %s → %s, expiry %v → %v)",
			version, v, expiry, e)
	}

	r.now = r.now.Add(30 * time.Second) // 70 s after the login
	r.view()
	v, e := r.row()
	if v == version || !e.Equal(r.now.Add(rigIdle).Truncate(time.Microsecond)) {
		t.Fatalf("a page view 70 s on: xmin %s → %s, expiry %v, want it extended to %v", version, v, e, r.now.Add(rigIdle))
	}
	r.now = r.now.Add(10 * time.Second)
	r.view()
	if v2, _ := r.row(); v2 != v {
		t.Fatal("a page view 10 s after the extension updated the row again")
	}
}

// The idle timeout still ends a session left alone for it, give or take the
// minute the expiry may lag.
func TestSessionIdleTimeout(t *testing.T) {
	r := newSessionRig(t)
	r.login()
	for range 5 { // active for five hours, a view every 90 minutes
		r.now = r.now.Add(90 * time.Minute)
		r.view()
	}
	last := r.now
	r.now = last.Add(rigIdle - r.store.slack() - time.Second)
	r.view()
	r.now = r.now.Add(rigIdle + time.Second)
	if !r.loggedOut() {
		t.Fatalf("still logged in %v after the last request, idle timeout %v", r.now.Sub(last), rigIdle)
	}
}

// Activity does not stretch a session past its lifetime.
func TestSessionLifetimeHolds(t *testing.T) {
	r := newSessionRig(t)
	start := r.now
	r.login()
	for r.now.Before(start.Add(rigLifetime - 30*time.Minute)) {
		r.now = r.now.Add(30 * time.Minute)
		r.view()
		if _, e := r.row(); e.After(start.Add(rigLifetime + time.Minute)) {
			t.Fatalf("stored expiry %v is past the lifetime (%v from %v)", e, rigLifetime, start)
		}
	}
	r.now = start.Add(rigLifetime + time.Minute)
	if !r.loggedOut() {
		t.Fatalf("still logged in %v after login, lifetime %v", rigLifetime+time.Minute, rigLifetime)
	}
}
