package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func testConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Parse("test", nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestOpenWithoutDatabaseURL(t *testing.T) {
	_, err := app.Open(context.Background(), testConfig(t, nil), slog.New(slog.DiscardHandler), app.Options{})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("err = %v, want one naming DATABASE_URL", err)
	}
}

// On shutdown the instance first reports not ready while still serving, so a
// load balancer can take it out; then it stops and Serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t, map[string]string{"DATABASE_URL": dbtest.NewURL(t), "POSLINK_SHUTDOWN_DELAY": "2s"})
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()

	if code := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before shutdown: %d", code)
	}
	cancel()
	notReady := false
	for range 100 {
		if get(t, base+"/readyz") == http.StatusServiceUnavailable {
			notReady = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !notReady {
		t.Fatal("/readyz never answered 503 after shutdown began")
	}
	if code := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz during the shutdown delay: %d, want 200 (still serving)", code)
	}
	if code := get(t, base+"/login"); code != http.StatusOK {
		t.Fatalf("/login during the shutdown delay: %d, want 200", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("port still open after Serve returned")
	}
}

// An instance whose database schema is behind its binary is not ready.
func TestNotReadyWhenSchemaIsBehind(t *testing.T) {
	url := dbtest.NewURL(t)
	cfg := testConfig(t, map[string]string{"DATABASE_URL": url})
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	if code := get(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz on a current schema: %d", code)
	}
	if _, err := a.Pool.Exec(context.Background(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if code := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a schema behind the binary: %d, want 503", code)
	}
}

// An owner's page views through the assembled portal write nothing to
// `sessions`: the session's row keeps its version (xmin).
func TestPageViewsWriteNoSession(t *testing.T) {
	cfg := testConfig(t, map[string]string{"DATABASE_URL": dbtest.NewURL(t)})
	a, err := app.Open(t.Context(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	actor := audit.Actor{Label: "test"}
	tn, err := a.Tenancy.CreateTenant(t.Context(), actor, tenancy.TenantInput{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tenancy.CreateOwner(t.Context(), actor, tn.ID,
		tenancy.UserInput{Email: "owner@example.com", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"email": {"owner@example.com"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/cameras" {
		t.Fatalf("login ended at %s (%d)", res.Request.URL.Path, res.StatusCode)
	}
	version := func() string {
		var v string
		if err := a.Pool.QueryRow(t.Context(), `SELECT string_agg(xmin::text, ',') FROM sessions`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	for range 20 {
		res, err := c.Get(srv.URL + "/cameras")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/cameras" {
			t.Fatalf("GET /cameras: %d at %s", res.StatusCode, res.Request.URL.Path)
		}
	}
	if after := version(); after != before {
		t.Fatalf("20 views of /cameras updated sessions: xmin %s → %s", before, after)
	}
}

// Serve owns the flusher of the API tokens' uses: a request through it
// writes no row, and the use is written when Serve stops.
func TestServeWritesTokenUsesOnStop(t *testing.T) {
	cfg := testConfig(t, map[string]string{"DATABASE_URL": dbtest.NewURL(t)})
	a, err := app.Open(t.Context(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	actor := audit.Actor{Label: "test"}
	tn, err := a.Tenancy.CreateTenant(t.Context(), actor, tenancy.TenantInput{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Tokens.Create(t.Context(), actor, tn.ID, apitoken.Input{Name: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() (*time.Time, string) {
		var at *time.Time
		var xmin string
		if err := a.Pool.QueryRow(context.Background(), `SELECT last_used_at, xmin::text FROM api_tokens WHERE id = $1`,
			tok.ID).Scan(&at, &xmin); err != nil {
			t.Fatal(err)
		}
		return at, xmin
	}
	_, version := lastUsed()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/api/v1/cameras", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Secret)
	before := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("API: %d", res.StatusCode)
	}
	if at, v := lastUsed(); at != nil || v != version {
		t.Fatalf("the request wrote its token's row: last used %v", at)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if at, _ := lastUsed(); at == nil || at.Before(before.Truncate(time.Microsecond)) {
		t.Fatalf("after the stop: last used %v, want the request's time", at)
	}
}
