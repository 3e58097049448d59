package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/poller"
)

// The shape of the list's load run: 10,000 links of two registers each
// (20,000 terminals), the two registers of a link feeding one camera, ten
// cameras a tenant; sales over the last 30 days.
const (
	loadCameras      = 10_000
	loadPerTenant    = 10
	loadDays         = 30
	loadSteadyRate   = 200 // requests a second
	loadSteadyFor    = 20 * time.Second
	loadClosedLoopIn = 5 * time.Second // per number of clients
)

// loadRanges are the ranges the requests ask, each ending at a random time.
var loadRanges = []time.Duration{10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// BenchmarkListLoad serves the camera dashboard's list over real HTTP on
// 127.0.0.1 (a handler that calls Store.List as the list endpoint does and
// JSON-encodes the page) beside a handler that runs SELECT 1 on the same
// pool, the ceiling; among 5,000,000 transactions it asks random cameras
// and ranges at a steady 200 requests/s (open loop: sent on schedule
// whatever the answers, so the latency includes the queueing) and at the
// most each can answer (closed loop, the best of several numbers of
// clients), and prints p50/p99/max and the rates. It takes about five
// minutes, most of it loading; POSLINK_BENCH_TRANSACTIONS makes it
// smaller.
func BenchmarkListLoad(b *testing.B) {
	total := envInt("POSLINK_BENCH_TRANSACTIONS", 5_000_000)
	pool := dbtest.New(b)
	ctx := b.Context()
	now := time.Now()

	loadStart := time.Now()
	tenantOf := seedCameras(b, pool)
	seedTransactions(b, pool, total, now)
	b.Logf("%d transactions over %d terminals (%d cameras, %d tenants) loaded and analysed in %v (GOMAXPROCS %d)",
		total, 2*loadCameras, loadCameras, loadCameras/loadPerTenant, time.Since(loadStart).Round(time.Second),
		runtime.GOMAXPROCS(0))

	store := dashboard.NewStore(pool, poller.NewStatusReader(pool, jst, time.Now), time.Now, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /list", func(w http.ResponseWriter, r *http.Request) { serveList(w, r, store, tenantOf) })
	mux.HandleFunc("GET /select1", func(w http.ResponseWriter, r *http.Request) {
		var one int
		if err := pool.QueryRow(r.Context(), `SELECT 1`).Scan(&one); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"one":1}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	listURL := func(rng *rand.Rand) string {
		camera := rng.Int64N(loadCameras) + 1
		span := loadRanges[rng.IntN(len(loadRanges))]
		to := now.Add(-time.Duration(rng.Int64N(int64(loadDays*24*time.Hour - span))))
		return fmt.Sprintf("%s/list?camera=%d&from=%s&to=%s", srv.URL, camera,
			to.Add(-span).UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	}
	select1URL := func(*rand.Rand) string { return srv.URL + "/select1" }

	// Warm both paths (connections, plans, the index's pages) before measuring.
	closedLoop(ctx, b, client, listURL, 2*runtime.GOMAXPROCS(0), 2*time.Second)
	closedLoop(ctx, b, client, select1URL, 2*runtime.GOMAXPROCS(0), time.Second)

	list := openLoop(ctx, b, client, listURL)
	ceiling := openLoop(ctx, b, client, select1URL)
	b.Logf("steady %d requests/s for %v: list p50 %v, p99 %v, max %v (%d answered, %d failed, %.1f items a page on average); "+
		"SELECT 1 p50 %v, p99 %v, max %v (%d failed)", loadSteadyRate, loadSteadyFor,
		list.p(0.50), list.p(0.99), list.max(), len(list.lat), list.failed, float64(list.items)/float64(max(1, len(list.lat))),
		ceiling.p(0.50), ceiling.p(0.99), ceiling.max(), ceiling.failed)

	listMax, listN := bestClosedLoop(ctx, b, client, listURL, "list")
	ceilMax, ceilN := bestClosedLoop(ctx, b, client, select1URL, "SELECT 1")
	b.Logf("maximum rate: list %.0f requests/s (%d clients, p50 %v, p99 %v), SELECT 1 %.0f requests/s (%d clients, p50 %v, p99 %v): "+
		"list = %.2f × the ceiling", listMax.rate(), listN, listMax.p(0.50), listMax.p(0.99),
		ceilMax.rate(), ceilN, ceilMax.p(0.50), ceilMax.p(0.99), listMax.rate()/ceilMax.rate())
	b.ReportMetric(float64(list.p(0.99).Microseconds())/1000, "p99-ms@200/s")
	b.ReportMetric(listMax.rate(), "list-req/s")
	b.ReportMetric(ceilMax.rate(), "select1-req/s")
}

// serveList answers a page of a camera's transactions as JSON, as the list
// endpoint does; the tenant comes from the camera here rather than from a
// session or a key.
func serveList(w http.ResponseWriter, r *http.Request, store *dashboard.Store, tenantOf map[int64]int64) {
	camera, err := strconv.ParseInt(r.URL.Query().Get("camera"), 10, 64)
	tenant, ok := tenantOf[camera]
	if err != nil || !ok {
		http.Error(w, "no such camera", http.StatusNotFound)
		return
	}
	from, err1 := time.Parse(time.RFC3339Nano, r.URL.Query().Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, r.URL.Query().Get("to"))
	if err1 != nil || err2 != nil {
		http.Error(w, "bad range", http.StatusBadRequest)
		return
	}
	page, err := store.List(r.Context(), dashboard.Query{TenantID: tenant, CameraID: camera, From: from, To: to})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Items", strconv.Itoa(len(page.Items)))
	_ = json.NewEncoder(w).Encode(page)
}

// seedCameras makes the tenants, their cameras and links, and binds each
// link's two registers to its camera; it answers each camera's tenant.
// Camera n (from 1) is fed by connection n, whose registers are "1:1" and
// "1:2".
func seedCameras(b *testing.B, pool *pgxpool.Pool) map[int64]int64 {
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

// seedTransactions stores total sales with COPY, evenly over the last 30
// days in the order of sale, each of a random camera, mostly payments; then
// VACUUM ANALYZE.
func seedTransactions(b *testing.B, pool *pgxpool.Pool, total int, now time.Time) {
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
			sold := now.Add(-time.Duration(float64(total-i) / float64(total) * float64(loadDays*24*time.Hour))).Truncate(time.Second).In(jst)
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

// loadResult is what one run measured: each answer's latency, failures,
// the items listed, and the run's length.
type loadResult struct {
	lat    []time.Duration
	failed int
	items  int64
	took   time.Duration
}

func (r loadResult) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
}

func (r loadResult) max() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return slices.Max(r.lat).Round(10 * time.Microsecond)
}

func (r loadResult) rate() float64 { return float64(len(r.lat)) / r.took.Seconds() }

// get asks url and answers whether it succeeded and the items it listed.
func get(ctx context.Context, client *http.Client, url string) (bool, int64) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		return false, 0
	}
	items, _ := strconv.ParseInt(resp.Header.Get("X-Items"), 10, 64)
	return true, items
}

// openLoop sends loadSteadyRate requests a second for loadSteadyFor, each
// at its scheduled time whatever the earlier ones' answers; a latency runs
// from the schedule, so time spent waiting to be sent counts.
func openLoop(ctx context.Context, b *testing.B, client *http.Client, url func(*rand.Rand) string) loadResult {
	n := int(loadSteadyFor.Seconds() * loadSteadyRate)
	period := time.Second / loadSteadyRate
	rng := rand.New(rand.NewPCG(3, 4))
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var items atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * period)
		u := url(rng)
		time.Sleep(time.Until(at))
		wg.Go(func() {
			good, k := get(ctx, client, u)
			lat[i], ok[i] = time.Since(at), good
			items.Add(k)
		})
	}
	wg.Wait()
	r := loadResult{took: time.Since(start), items: items.Load()}
	for i := range n {
		if ok[i] {
			r.lat = append(r.lat, lat[i])
		} else {
			r.failed++
		}
	}
	if r.failed > 0 {
		b.Logf("open loop: %d of %d requests failed", r.failed, n)
	}
	return r
}

// closedLoop runs clients that each send a request as soon as the last is
// answered, for d.
func closedLoop(ctx context.Context, b *testing.B, client *http.Client, url func(*rand.Rand) string, clients int, d time.Duration) loadResult {
	var mu sync.Mutex
	var r loadResult
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(5, uint64(c)))
			var lat []time.Duration
			failed := 0
			for time.Now().Before(deadline) {
				t := time.Now()
				if good, _ := get(ctx, client, url(rng)); good {
					lat = append(lat, time.Since(t))
				} else {
					failed++
				}
			}
			mu.Lock()
			r.lat, r.failed = append(r.lat, lat...), r.failed+failed
			mu.Unlock()
		})
	}
	wg.Wait()
	r.took = time.Since(start)
	if r.failed > 0 {
		b.Logf("closed loop of %d clients: %d requests failed", clients, r.failed)
	}
	return r
}

// bestClosedLoop runs closed loops of 2×GOMAXPROCS up to 32 clients and
// answers the best rate and its number of clients.
func bestClosedLoop(ctx context.Context, b *testing.B, client *http.Client, url func(*rand.Rand) string, name string) (loadResult, int) {
	var best loadResult
	bestN := 0
	var runs []string
	for n := min(2*runtime.GOMAXPROCS(0), 32); n <= 32; n *= 2 {
		r := closedLoop(ctx, b, client, url, n, loadClosedLoopIn)
		runs = append(runs, fmt.Sprintf("%d clients %.0f/s (p50 %v, p99 %v)", n, r.rate(), r.p(0.50), r.p(0.99)))
		if bestN == 0 || r.rate() > best.rate() {
			best, bestN = r, n
		}
	}
	// One line: the testing package keeps only ten lines of a benchmark's log.
	b.Logf("%s, closed loop: %s", name, strings.Join(runs, ", "))
	return best, bestN
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
