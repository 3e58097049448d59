package portal_test

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/secret"
)

// The shape of the list's load run: 10,000 links of two registers each
// (20,000 terminals), the two registers of a link feeding one camera, ten
// cameras a tenant; sales over the last 30 days.
const (
	loadCameras   = 10_000
	loadPerTenant = 10
	loadDays      = 30
	loadPageLimit = 50
)

// loadRanges are the ranges the requests ask, each ending at a random time.
var loadRanges = []time.Duration{10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// ceilingPath is the trivial handler served beside the portal: SELECT 1.
const ceilingPath = "/bench/select1"

// BenchmarkAPIListLoad serves the viewer API's list,
// GET /api/v1/cameras/{id}/transactions?from&to&limit, from the portal as
// serve builds it (app.New on the production services and pool settings)
// over real HTTP on 127.0.0.1, each request with the bearer token of the
// camera's tenant, beside a SELECT 1 handler on the same server and pool,
// the ceiling. Among 5,000,000 transactions it asks random cameras and
// ranges at a steady 200 requests/s (open loop: sent on schedule whatever
// the answers, so the latency includes the queueing) and at the most each
// can answer (closed loop, the best of several numbers of clients), and
// prints p50/p99/max, the rates, and the rows the requests wrote. It takes
// about ten minutes, most of it loading; POSLINK_BENCH_TRANSACTIONS makes
// it smaller.
func BenchmarkAPIListLoad(b *testing.B) {
	total := benchEnvInt("POSLINK_BENCH_TRANSACTIONS", 5_000_000)
	pool := dbtest.New(b)
	ctx := b.Context()
	now := time.Now()

	loadStart := time.Now()
	tenantOf := seedLoadCameras(b, pool)
	seedLoadTransactions(b, pool, total, now)
	tokensStart := time.Now()
	srv, tokens := serveLoadPortal(b, pool)
	b.Logf("%d transactions over %d terminals (%d cameras) loaded and analysed in %v, %d tenants' tokens created in %v (GOMAXPROCS %d)",
		total, 2*loadCameras, loadCameras, tokensStart.Sub(loadStart).Round(time.Second), len(tokens),
		time.Since(tokensStart).Round(100*time.Millisecond), runtime.GOMAXPROCS(0))

	listTarget := func(rng *rand.Rand) loadRequest {
		camera := rng.Int64N(loadCameras) + 1
		span := loadRanges[rng.IntN(len(loadRanges))]
		to := now.Add(-time.Duration(rng.Int64N(int64(loadDays*24*time.Hour - span))))
		return loadRequest{
			url: fmt.Sprintf("%s%s/cameras/%d/transactions?from=%s&to=%s&limit=%d", srv.URL, portal.APIPrefix, camera,
				to.Add(-span).UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), loadPageLimit),
			auth: "Bearer " + tokens[tenantOf[camera]],
		}
	}
	ceilingTarget := func(*rand.Rand) loadRequest { return loadRequest{url: srv.URL + ceilingPath} }
	client := newLoadClient(b)

	// Warm both paths (connections, plans, the index's pages) before
	// measuring; the rows written are counted from here.
	before := tableWrites(b, pool)
	warmStart := time.Now()
	client.closedLoop(ctx, listTarget, 2*runtime.GOMAXPROCS(0), 2*time.Second)
	client.closedLoop(ctx, ceilingTarget, 2*runtime.GOMAXPROCS(0), time.Second)

	list := client.openLoop(ctx, listTarget)
	ceiling := client.openLoop(ctx, ceilingTarget)
	b.Logf("steady %d requests/s for %v: list p50 %v, p99 %v, max %v (%d answered, %d failed, %.1f items a page on average); "+
		"SELECT 1 p50 %v, p99 %v, max %v (%d failed)", loadSteadyRate, loadSteadyFor,
		list.p(0.50), list.p(0.99), list.max(), len(list.lat), list.failed, list.itemsPerAnswer(),
		ceiling.p(0.50), ceiling.p(0.99), ceiling.max(), ceiling.failed)

	listMax, listN := client.bestClosedLoop(ctx, listTarget, "list")
	ceilMax, ceilN := client.bestClosedLoop(ctx, ceilingTarget, "SELECT 1")
	b.Logf("maximum rate: list %.0f requests/s (%d clients, p50 %v, p99 %v), SELECT 1 %.0f requests/s (%d clients, p50 %v, p99 %v): "+
		"list = %.2f × the ceiling", listMax.rate(), listN, listMax.p(0.50), listMax.p(0.99),
		ceilMax.rate(), ceilN, ceilMax.p(0.50), ceilMax.p(0.99), listMax.rate()/ceilMax.rate())
	// None: a token's use is kept in memory and written by the flusher
	// Serve runs, which this server (a handler without Serve) does not.
	b.Logf("rows written by the requests (warm-up and measurement, %v): %v",
		time.Since(warmStart).Round(time.Second), writesBetween(before, tableWrites(b, pool)))
	b.ReportMetric(float64(list.p(0.99).Microseconds())/1000, "p99-ms@200/s")
	b.ReportMetric(listMax.rate(), "list-req/s")
	b.ReportMetric(ceilMax.rate(), "select1-req/s")
}

// serveLoadPortal serves, on 127.0.0.1, the portal as serve builds it on
// pool (the real clock; no simulators: the list calls no provider) and the
// ceiling beside it; it creates one API token per tenant through the token
// store and answers them by tenant.
func serveLoadPortal(b *testing.B, pool *pgxpool.Pool) (*httptest.Server, map[int64]string) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	key, err := secret.NewKey("bench1")
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := secret.NewKeyring(key)
	cfg, err := config.Parse("bench", nil, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	cfg.BaseURL, cfg.TimeZone, cfg.SecretKeys = base, tokyo, keys
	// Every request is logged as serve logs it, into nothing.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.NewServices(pool, cfg, log, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Reads.Close)
	a, err := app.New(svc, cfg, log, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	site, err := httpx.OriginOf(base)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+ceilingPath, ceilingHandler(pool, log, site))
	mux.Handle("/", a.Handler())
	srv.Config.Handler = mux
	srv.Start()
	b.Cleanup(srv.Close)

	ctx := b.Context()
	tokens := map[int64]string{}
	for tenant := int64(1); tenant <= loadCameras/loadPerTenant; tenant++ {
		c, err := a.Tokens.Create(ctx, audit.Actor{Label: "bench"}, tenant, apitoken.Input{Name: "viewer"})
		if err != nil {
			b.Fatal(err)
		}
		tokens[tenant] = c.Secret
	}
	return srv, tokens
}

// ceilingHandler answers SELECT 1 on pool as a small JSON, behind the
// middleware of the API's route group that any handler outside the portal
// can use (request ID and log line, panic recovery, security headers,
// problem+json, cross-origin refusal, body limit, input check). It has no
// bearer token to check: that is part of what the list costs.
func ceilingHandler(pool *pgxpool.Pool, log *slog.Logger, site httpx.Origin) http.Handler {
	answers := &httpx.Responder{Classify: db.Classify,
		Text: func(_ *http.Request, key string, args ...any) string { return i18n.T(i18n.Default, key, args...) }}
	r := chi.NewRouter()
	r.Use(httpx.Start(log), answers.Recover, httpx.SecurityHeaders(site), httpx.JSON, answers.CrossOrigin(site),
		httpx.LimitBody(1<<20), answers.CheckInput)
	r.Get(ceilingPath, func(w http.ResponseWriter, r *http.Request) {
		var one int
		if err := pool.QueryRow(r.Context(), `SELECT 1`).Scan(&one); err != nil {
			answers.Respond(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, `{"one":1}`)
	})
	return r
}

// seedLoadCameras makes the tenants, their cameras and links, and binds
// each link's two registers to its camera; it answers each camera's
// tenant. Camera n (from 1) is fed by connection n, whose registers are
// "1:1" and "1:2".
func seedLoadCameras(b *testing.B, pool *pgxpool.Pool) map[int64]int64 {
	ctx := b.Context()
	for _, sql := range []string{
		`INSERT INTO tenants (name) SELECT 'tenant-' || g FROM generate_series(1, $1::int / $2::int) g`,
		`INSERT INTO cameras (tenant_id, device_id, name, model, pos_enabled, pos_usable_from)
			SELECT (g - 1) / $2 + 1, 'cam-' || g, 'cam-' || g, 'CC-2L_SF', true, '2026-01-01' FROM generate_series(1, $1::int) g`,
		`INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
			SELECT (g - 1) / $2 + 1, 'smaregi', 'sk' || g, 'client_credentials', '\x00' FROM generate_series(1, $1::int) g`,
		`INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, terminal_name, camera_id, bound_at)
			SELECT (g - 1) / $2 + 1, g, '1:' || r, 'レジ' || r, g, now() - interval '60 days'
			FROM generate_series(1, $1::int) g, generate_series(1, 2) r`,
	} {
		if _, err := pool.Exec(ctx, sql, loadCameras, loadPerTenant); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT id, tenant_id FROM cameras`)
	if err != nil {
		b.Fatal(err)
	}
	tenantOf := map[int64]int64{}
	var camera, tenant int64
	if _, err := pgx.ForEachRow(rows, []any{&camera, &tenant}, func() error { tenantOf[camera] = tenant; return nil }); err != nil {
		b.Fatal(err)
	}
	if len(tenantOf) != loadCameras || tenantOf[loadCameras] != loadCameras/loadPerTenant {
		b.Fatalf("cameras are not numbered from 1: %d of them, the last of tenant %d", len(tenantOf), tenantOf[loadCameras])
	}
	return tenantOf
}

// seedLoadTransactions stores total sales with COPY, evenly over the last
// 30 days in the order of sale, each of a random camera, mostly payments;
// then VACUUM ANALYZE.
func seedLoadTransactions(b *testing.B, pool *pgxpool.Pool, total int, now time.Time) {
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := func() string {
		switch n := rng.IntN(100); {
		case n < 92:
			return "payment"
		case n < 96:
			return "cancel"
		case n < 99:
			return "modify"
		default:
			return "delete"
		}
	}
	staff := []string{"佐藤 花子", "鈴木 一郎", "高橋 美咲", ""}
	methods := []string{"現金", "クレジット", "QR", "電子マネー"}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"pos_transactions"}, []string{"tenant_id", "connection_id",
		"provider_txn_id", "terminal_key", "terminal_name", "camera_id", "sold_at", "sold_utc_offset", "kind", "total",
		"deposit", "change", "receipt_no", "staff", "payment_method", "provider_updated_at", "raw"},
		pgx.CopyFromSlice(total, func(i int) ([]any, error) {
			camera := int64(rng.IntN(loadCameras) + 1)
			register := 1 + rng.IntN(2)
			// In the order of sale, as the poller stores them.
			sold := now.Add(-time.Duration(float64(total-i) / float64(total) * float64(loadDays*24*time.Hour))).Truncate(time.Second).In(tokyo)
			amount := int64(100 + rng.IntN(20_000))
			deposit := (amount/1000 + 1) * 1000
			raw := fmt.Sprintf(`{"transactionHeadId":"%d","terminalId":"%d","total":"%d","deposit":"%d","change":"%d","storeId":"1"}`,
				i, register, amount, deposit, deposit-amount)
			return []any{(camera-1)/loadPerTenant + 1, camera, strconv.Itoa(i), "1:" + strconv.Itoa(register),
				"レジ" + strconv.Itoa(register), camera, sold, int32(9 * 3600), kinds(), amount, deposit, deposit - amount,
				strconv.Itoa(100000 + i), staff[rng.IntN(len(staff))], methods[rng.IntN(len(methods))], sold, raw}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	if n != int64(total) {
		b.Fatalf("COPY stored %d rows", n)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE pos_transactions`); err != nil {
		b.Fatal(err)
	}
}

// tableWrites is the rows inserted, updated and deleted so far in each
// table, by PostgreSQL's statistics. A backend reports its counts when
// idle, within a second or so, or when it ends: the pool's connections are
// closed first, and the counts read until they stop moving.
func tableWrites(b *testing.B, pool *pgxpool.Pool) map[string]int64 {
	ctx := b.Context()
	pool.Reset()
	read := func() map[string]int64 {
		rows, err := pool.Query(ctx, `SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables`)
		if err != nil {
			b.Fatal(err)
		}
		out := map[string]int64{}
		var name string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { out[name] = n; return nil }); err != nil {
			b.Fatal(err)
		}
		return out
	}
	last := read()
	for range 20 {
		time.Sleep(250 * time.Millisecond)
		next := read()
		if maps.Equal(next, last) {
			break
		}
		last = next
	}
	return last
}

// writesBetween is the tables whose counts of written rows moved, and by
// how much.
func writesBetween(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for name, n := range after {
		if d := n - before[name]; d != 0 {
			out[name] = d
		}
	}
	return out
}

func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
