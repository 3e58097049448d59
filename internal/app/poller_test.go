package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
)

// oneSale is a feed whose account has sold once, a minute ago.
type oneSale struct{}

func (oneSale) Changes(_ context.Context, cursor string, _ time.Time) (pos.Page, error) {
	if cursor != "" {
		return pos.Page{Cursor: cursor}, nil
	}
	at := time.Now().Add(-time.Minute)
	return pos.Page{Cursor: "done", Transactions: []pos.Transaction{{ID: "1", TerminalKey: "r1", SoldAt: at,
		Kind: pos.Payment, Total: 500, Deposit: 500, UpdatedAt: at, Raw: json.RawMessage(`{}`)}}}, nil
}

func (oneSale) Present(context.Context, time.Time, time.Time) (map[string]bool, error) {
	return map[string]bool{"1": true}, nil
}

// serveWithSale serves an app whose poller reads oneSale, with a tenant
// whose Smaregi link has register r1 bound to a camera.
func serveWithSale(t *testing.T, env map[string]string) *app.App {
	t.Helper()
	key, _ := secret.NewKey("k1")
	env["DATABASE_URL"] = dbtest.NewURL(t)
	env["POSLINK_SECRET_KEYS"] = secret.Format(key)
	env["POSLINK_POLL_INTERVAL"] = "1s"
	feeds := poller.Feeds{link.Smaregi: func(context.Context, int64, int64) (pos.Feed, error) { return oneSale{}, nil }}
	a, err := app.Open(t.Context(), testConfig(t, env), slog.New(slog.DiscardHandler), app.Options{Feeds: feeds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	actor := audit.Actor{Label: "test"}
	tn, err := a.Tenancy.CreateTenant(t.Context(), actor, tenancy.TenantInput{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := a.Tenancy.CreateCamera(t.Context(), actor, tn.ID, tenancy.CameraInput{DeviceID: "cam", Name: "cam"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Tenancy.SetPOSOption(t.Context(), actor, tn.ID, cam.ID, true, a.Tenancy.Today().AddDate(0, 0, -4)); err != nil {
		t.Fatal(err)
	}
	c, err := a.Links.Save(t.Context(), actor, tn.ID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: "sk1",
		AuthKind: link.ClientCredentials, Credentials: map[string]string{"client_secret": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Links.Bind(t.Context(), actor, tn.ID, c.ID, link.Terminal{Key: "r1"}, cam.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return a
}

func waitStored(t *testing.T, a *app.App) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for stored(t, a) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("serve stored no transaction in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stored(t *testing.T, a *app.App) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pos_transactions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// serve runs the poller; POSLINK_POLLER=false leaves polling to workers.
func TestServeRunsThePollerUnlessSwitchedOff(t *testing.T) {
	on := serveWithSale(t, map[string]string{})
	off := serveWithSale(t, map[string]string{"POSLINK_POLLER": "false"})
	waitStored(t, on)
	var attempts int
	if err := off.Pool.QueryRow(t.Context(), `SELECT count(*) FROM poll_states WHERE last_attempt_at IS NOT NULL OR lease_owner IS NOT NULL`).
		Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 0 || stored(t, off) != 0 {
		t.Errorf("with POSLINK_POLLER=false the portal polled: %d attempts, %d stored", attempts, stored(t, off))
	}
	st, err := on.PollStatus.Status(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 {
		t.Fatalf("status of %d connections, want 1", len(st))
	}
	for _, s := range st {
		if s.State != poller.StateActive || !s.Polled || s.LastOK.IsZero() {
			t.Errorf("status: %+v", s)
		}
	}
}

// /metrics answers in the Prometheus text format from memory: with the
// database gone it still answers, so a scrape writes nothing and costs no
// query.
func TestMetricsNeedNoDatabase(t *testing.T) {
	a := serveWithSale(t, map[string]string{})
	waitStored(t, a)
	srv := httpServer(t, a.Handler())
	a.Pool.Close()
	res, err := http.Get(srv + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(b)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, name := range []string{"poslink_poller_polls_total", "poslink_poller_backlog_connections",
		"poslink_poller_poll_duration_seconds", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(body, "tenant") || strings.Contains(body, "connection_id") {
		t.Error("/metrics names tenants or connections")
	}
}

func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
