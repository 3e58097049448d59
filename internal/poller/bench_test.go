package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/sim/shop"
)

// The benchmarks print their figures (docs/benchmarks.md keeps a run);
// nothing is asserted. Each runs its scenario once, whatever b.N.

// BenchmarkBackfill stores a million transactions through the poller's
// write path (pages of 1,000, each checked, its lease fenced and its
// cursor saved in the same transaction, cameras from the binding periods)
// and, in the same run into the same table, with one plain COPY.
func BenchmarkBackfill(b *testing.B) {
	const total, pageSize = 1_000_000, 1000
	f := newFixture(b, time.Now)
	conn := f.connect(b, link.Smaregi, "bulk", 1)
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("1:%d", i+1)
		f.bind(b, conn.ID, keys[i], f.camA.ID)
	}
	now := time.Now()
	txAt := func(i int) pos.Transaction {
		sold := now.Add(-time.Duration(i%(70*3600)) * time.Second).In(shop.Tokyo)
		raw, _ := json.Marshal(map[string]any{"transactionHeadId": i, "total": 1000 + i%5000, "storeId": 1})
		return pos.Transaction{ID: strconv.Itoa(i), TerminalKey: keys[i%len(keys)], SoldAt: sold, Kind: pos.Payment,
			Total: int64(1000 + i%5000), Deposit: 10000, Change: int64(9000 - i%5000), ReceiptNo: strconv.Itoa(i),
			Staff: "佐藤 花子", PaymentMethod: "現金", UpdatedAt: sold, Raw: raw}
	}

	// Plain COPY of the same rows, camera given.
	copyStart := time.Now()
	n, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"pos_transactions"}, []string{"tenant_id", "connection_id",
		"provider_txn_id", "terminal_key", "terminal_name", "camera_id", "sold_at", "sold_utc_offset", "kind", "total",
		"deposit", "change", "receipt_no", "staff", "payment_method", "provider_updated_at", "raw"},
		pgx.CopyFromSlice(total, func(i int) ([]any, error) {
			t := txAt(i)
			return []any{f.tenant.ID, conn.ID, t.ID, t.TerminalKey, "レジ", f.camA.ID, t.SoldAt, int32(9 * 3600), "payment",
				t.Total, t.Deposit, t.Change, t.ReceiptNo, t.Staff, t.PaymentMethod, t.UpdatedAt, string(t.Raw)}, nil
		}))
	must(b, err)
	copyTook := time.Since(copyStart)
	if n != total {
		b.Fatalf("COPY stored %d rows", n)
	}
	_, err = f.pool.Exec(f.ctx, `TRUNCATE pos_transactions CASCADE`)
	must(b, err)
	_, err = f.pool.Exec(f.ctx, `VACUUM ANALYZE pos_transactions`)
	must(b, err)

	s := &store{pool: f.pool, owner: "bench", leaseFor: time.Minute, interval: time.Minute}
	leases, err := s.claim(f.ctx, 1, []string{"smaregi"}, time.Hour)
	must(b, err)
	if len(leases) != 1 {
		b.Fatalf("claimed %d connections", len(leases))
	}
	l := leases[0]
	page := make([]pos.Transaction, pageSize)
	pollerStart := time.Now()
	for p := 0; p < total/pageSize; p++ {
		for i := range page {
			page[i] = txAt(p*pageSize + i)
		}
		cols, err := prepare(link.Smaregi, page, now)
		must(b, err)
		if _, err := s.commitPage(f.ctx, l, cols, strconv.Itoa(p), nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	pollerTook := time.Since(pollerStart)
	if got := f.count(b, `SELECT count(*) FROM pos_transactions WHERE camera_id IS NOT NULL`); got != total {
		b.Fatalf("the poller stored %d rows with a camera", got)
	}
	copyRate, pollerRate := float64(total)/copyTook.Seconds(), float64(total)/pollerTook.Seconds()
	b.ReportMetric(pollerRate, "rows/s")
	b.ReportMetric(copyRate, "copy-rows/s")
	b.Logf("backfill of %d transactions: poller %.0f rows/s (%v), plain COPY %.0f rows/s (%v): %.2f × COPY",
		total, pollerRate, pollerTook.Round(time.Millisecond), copyRate, copyTook.Round(time.Millisecond), pollerRate/copyRate)
}

// BenchmarkPollerLoad polls 10,000 connections with two bound registers
// each at the production interval (60 s), with one instance and then two,
// and prints the share of the connections polled in each interval, the
// freshness of the sales (sale to stored), the CPU and memory of the
// pollers and of the simulation, and the time from binding a new link's
// registers to their last 72 hours stored. The providers are the Smaregi
// simulator in a process of its own, read over HTTP by the production
// feeds, answering in 50 ± 20 ms; POSLINK_BENCH_FEEDS=fake puts the
// in-process fake feeds in its place. It takes about fifteen minutes.
// POSLINK_BENCH_CONNECTIONS and POSLINK_BENCH_INTERVALS change its size.
func BenchmarkPollerLoad(b *testing.B) {
	connections := envInt("POSLINK_BENCH_CONNECTIONS", 10_000)
	intervals := envInt("POSLINK_BENCH_INTERVALS", 3)
	const interval = time.Minute
	pool := dbtest.New(b)
	f := fixtureOn(b, pool, time.Now)
	var src loadSource
	switch feeds := os.Getenv("POSLINK_BENCH_FEEDS"); feeds {
	case "", "simulators":
		src = newSimSource(b, f, connections)
	case "fake":
		src = newFakeSource(f)
	default:
		b.Fatalf("POSLINK_BENCH_FEEDS=%q: simulators or fake", feeds)
	}
	setupStart := time.Now()
	ids := src.seed(b, f, connections)
	b.Logf("%d connections with %d bound registers set up in %v (GOMAXPROCS %d)", connections, 2*connections,
		time.Since(setupStart).Round(time.Second), runtime.GOMAXPROCS(0))

	where := "own process"
	if !src.simulatedApart() {
		where = "part of this process's"
	}
	for _, instances := range []int{1, 2} {
		r := measureLoad(b, f, src, ids, instances, interval, intervals)
		b.Logf("%d instance(s): polled every interval %s (p99 gap between polls %v); freshness p50 %.1f s, p99 %.1f s (%d sales); "+
			"CPU %.2f cores, simulation %.2f cores (%s), PostgreSQL %.2f cores; RSS %d MiB (peak %d MiB); backlog %s; "+
			"first value of a new link %v, its 72 h in %v",
			instances, r.shares, r.gapP99.Round(100*time.Millisecond), r.p50, r.p99, r.sales, r.cpu, r.feedCPU, where, r.dbCPU,
			r.rss>>20, r.peakRSS>>20, r.backlog, r.firstValue.Round(10*time.Millisecond), r.backfilled.Round(10*time.Millisecond))
		b.ReportMetric(r.p99, fmt.Sprintf("p99-s/%dinst", instances))
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// loadSource is what the load benchmark polls: the connections it sets up
// and the feeds that read them. fakeSource uses the fake feeds; a source
// over the simulators and the providers' own feeds takes its place the
// same way (docs/benchmarks.md).
type loadSource interface {
	// seed sets up n connections, two registers of each bound, first due
	// within the next minute (as links made at different times are) and
	// continuing from now (the load is the minute polls, not backfills),
	// and returns their IDs.
	seed(b *testing.B, f *fixture, n int) []int64
	feeds() Feeds
	// newLink links a new account with two registers and binds them.
	newLink(b *testing.B, f *fixture) int64
	// simulated is the CPU time spent simulating the providers so far;
	// simulatedApart says whether in a process of its own (else it is
	// part of this process's).
	simulated() time.Duration
	simulatedApart() bool
}

// fakeSource is the fake feeds at lunchtime, answering in 50 ± 20 ms.
type fakeSource struct{ f *fakeFeeds }

func newFakeSource(f *fixture) fakeSource {
	f.fake.shift = lunchtime(time.Now())
	f.fake.latency, f.fake.jitter = 50*time.Millisecond, 20*time.Millisecond
	return fakeSource{f.fake}
}

func (s fakeSource) feeds() Feeds             { return s.f.feeds() }
func (s fakeSource) simulated() time.Duration { return s.f.computeTime() }
func (s fakeSource) simulatedApart() bool     { return false }

func (s fakeSource) newLink(b *testing.B, f *fixture) int64 {
	conn := f.connect(b, link.Smaregi, fmt.Sprintf("new%d", time.Now().UnixNano()), uint64(time.Now().UnixNano()), "1:1", "1:2")
	f.bind(b, conn.ID, "1:1", f.camA.ID)
	f.bind(b, conn.ID, "1:2", f.camA.ID)
	return conn.ID
}

// seed makes n connections of 100 tenants with a camera each, straight in
// the database (the fake feeds need no credentials).
func (s fakeSource) seed(b *testing.B, f *fixture, n int) []int64 {
	ctx := f.ctx
	benchTenants(b, f)
	_, err := f.pool.Exec(ctx, `
		INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		SELECT t.id, 'smaregi', 'bench' || g, 'client_credentials', '\x00'::bytea
		FROM generate_series(1, $1::int) g JOIN tenants t ON t.name = 'bench ' || (g % 100 + 1)`, n)
	must(b, err)
	_, err = f.pool.Exec(ctx, `
		INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, camera_id)
		SELECT c.tenant_id, c.id, k, cam.id FROM pos_connections c JOIN cameras cam ON cam.tenant_id = c.tenant_id,
		       unnest(ARRAY['1:1', '1:2']) k
		WHERE c.external_id LIKE 'bench%'`)
	must(b, err)
	rows, err := f.pool.Query(ctx, `SELECT id FROM pos_connections WHERE external_id LIKE 'bench%' ORDER BY id`)
	must(b, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	must(b, err)
	for i, id := range ids {
		f.fake.add(id, uint64(5000+i), "1:1", "1:2")
	}
	_, err = f.pool.Exec(ctx, `UPDATE poll_states SET cursor = 't:' || $1::text, due_at = now() + random() * interval '1 minute'
		WHERE connection_id = ANY($2)`, strconv.FormatInt(time.Now().UnixNano(), 10), ids)
	must(b, err)
	return ids
}

// benchTenants makes the load's 100 tenants, "bench 1" to "bench 100",
// with a camera each, its POS option usable.
func benchTenants(b *testing.B, f *fixture) {
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO tenants (name) SELECT 'bench ' || g FROM generate_series(1, 100) g;
		INSERT INTO cameras (tenant_id, device_id, name, pos_enabled, pos_usable_from)
			SELECT id, 'bench-cam-' || id, 'cam', true, current_date - 7 FROM tenants WHERE name LIKE 'bench %';`)
	must(b, err)
}

// loadResult is what one measured run found.
type loadResult struct {
	shares                 string
	gapP99                 time.Duration
	p50, p99               float64
	sales                  int
	cpu, feedCPU, dbCPU    float64
	rss, peakRSS           int64
	backlog                string
	firstValue, backfilled time.Duration
}

// measureLoad runs instances pollers until every connection was polled
// once (warm-up), then measures for intervals, binding a new link on the
// way.
func measureLoad(b *testing.B, f *fixture, src loadSource, ids []int64, instances int, interval time.Duration, intervals int) loadResult {
	rec := &pollRecorder{}
	feeds := rec.wrap(src.feeds())
	var runs []*running
	var pools []*pgxpool.Pool
	for range instances {
		pool, err := pgxpool.New(f.ctx, f.pool.Config().ConnString())
		must(b, err)
		pools = append(pools, pool)
		cfg := Config{Interval: interval, Backfill: DefaultBackfill, BacklogEvery: 5 * time.Second}
		runs = append(runs, startOn(b, pool, feeds, f.links, cfg))
	}
	defer func() {
		for _, r := range runs {
			r.stop()
		}
		for _, p := range pools {
			p.Close()
		}
	}()
	// Warm-up: every connection polled since the start.
	warm := time.Now()
	waitForLong(b, 5*interval, func() bool {
		return f.count(b, `SELECT count(*) FROM poll_states WHERE connection_id = ANY($1) AND last_ok_at >= $2`, ids, warm) == len(ids)
	})
	start := time.Now()
	cpu0, db0, feed0 := cpuTime(), postgresCPU(f.pool), src.simulated()
	var backlog []string
	// A new link, bound during the load: its first value and its 72 hours.
	first, full := make(chan time.Duration, 1), make(chan time.Duration, 1)
	go func() {
		time.Sleep(interval / 3)
		newLinkTimes(b, f, src, first, full)
	}()
	for range intervals {
		time.Sleep(interval)
		n, age := gauge(b, runs[0], "poslink_poller_backlog_connections"), gauge(b, runs[0], "poslink_poller_backlog_age_seconds")
		backlog = append(backlog, fmt.Sprintf("%.0f (%.0f s)", n, age))
	}
	wall := time.Since(start)
	cpu, db, feed := cpuTime()-cpu0, postgresCPU(f.pool)-db0, src.simulated()-feed0
	res := loadResult{cpu: cpu.Seconds() / wall.Seconds(), dbCPU: db.Seconds() / wall.Seconds(),
		feedCPU: feed.Seconds() / wall.Seconds(), backlog: strings.Join(backlog, ", ")}
	res.rss, res.peakRSS = memory()
	// The share of connections polled every interval: no gap between two
	// polls (or from the last one to the end) longer than the interval and
	// the claim loop's granularity.
	res.shares, res.gapP99 = pollGaps(rec.since(start.Add(-2*interval)), ids, start, start.Add(wall),
		interval+2*time.Second)
	// Freshness of the sales made during the measurement.
	must(b, f.pool.QueryRow(f.ctx, `SELECT count(*),
		coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - sold_at)), 0),
		coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - sold_at)), 0)
		FROM pos_transactions WHERE connection_id = ANY($1) AND sold_at >= $2 AND sold_at < $3`,
		ids, start, start.Add(wall-interval)).Scan(&res.sales, &res.p50, &res.p99))
	select {
	case res.firstValue = <-first:
		res.backfilled = <-full
	case <-time.After(5 * interval):
		b.Log("the new link was not backfilled in five intervals")
	}
	return res
}

// newLinkTimes links a new account with two registers, binds them and
// reports when its first transaction is stored, and when the first poll
// that fetched everything (not requeued for more) ended.
func newLinkTimes(b *testing.B, f *fixture, src loadSource, first, full chan<- time.Duration) {
	bound := time.Now()
	connID := src.newLink(b, f)
	sent := false
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		n := f.count(b, `SELECT count(*) FROM pos_transactions WHERE connection_id = $1 AND camera_id IS NOT NULL`, connID)
		if n > 0 && !sent {
			first <- time.Since(bound)
			sent = true
		}
		if n > 0 && f.count(b, `SELECT count(*) FROM poll_states WHERE connection_id = $1 AND due_at > last_ok_at`, connID) == 1 {
			full <- time.Since(bound)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitForLong(b *testing.B, limit time.Duration, cond func() bool) {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("not done within %v", limit)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func gauge(b *testing.B, r *running, name string) float64 {
	mfs, err := r.registry.Gather()
	must(b, err)
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory is this process's resident memory now and at its peak.
func memory() (rss, peak int64) {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// postgresCPU is the CPU time of the database server's processes so far:
// the postmaster of the pool's server and its children (the backends,
// which the benchmark's pools keep open while it measures).
func postgresCPU(pool *pgxpool.Pool) time.Duration {
	var backend int
	if err := pool.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0
	}
	postmaster, _, _ := procStat(backend)
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	for _, p := range stats {
		pid, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/proc/"), "/stat"))
		ppid, cpu, ok := procStat(pid)
		if ok && (pid == postmaster || ppid == postmaster) {
			total += cpu
		}
	}
	return total
}

// procStat reads a process's parent and CPU time from /proc.
func procStat(pid int) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return ppid, time.Duration(ut+st) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}

// pollRecorder notes every successful request for changes, whichever
// feeds answer it.
type pollRecorder struct {
	mu    sync.Mutex
	calls []polled
}

type polled struct {
	connID int64
	at     time.Time
}

func (r *pollRecorder) wrap(feeds Feeds) Feeds {
	out := Feeds{}
	for p, open := range feeds {
		out[p] = func(ctx context.Context, tenantID, connID int64) (pos.Feed, error) {
			feed, err := open(ctx, tenantID, connID)
			if err != nil {
				return nil, err
			}
			return recordedFeed{feed, r, connID}, nil
		}
	}
	return out
}

// since lists the requests from t on, in order.
func (r *pollRecorder) since(t time.Time) []polled {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []polled
	for _, c := range r.calls {
		if !c.at.Before(t) {
			out = append(out, c)
		}
	}
	return out
}

type recordedFeed struct {
	pos.Feed
	r      *pollRecorder
	connID int64
}

func (f recordedFeed) Changes(ctx context.Context, cursor string, since time.Time) (pos.Page, error) {
	p, err := f.Feed.Changes(ctx, cursor, since)
	if err == nil {
		f.r.mu.Lock()
		f.r.calls = append(f.r.calls, polled{f.connID, time.Now()})
		f.r.mu.Unlock()
	}
	return p, err
}

// pollGaps says which share of the connections was polled with no gap
// longer than limit within [from, to), and the 99th percentile of the
// gaps.
func pollGaps(calls []polled, ids []int64, from, to time.Time, limit time.Duration) (string, time.Duration) {
	last := map[int64]time.Time{}
	worst := map[int64]time.Duration{}
	var gaps []time.Duration
	for _, c := range calls {
		if prev, ok := last[c.connID]; ok && c.at.After(from) {
			gaps = append(gaps, c.at.Sub(prev))
			worst[c.connID] = max(worst[c.connID], c.at.Sub(prev))
		}
		last[c.connID] = c.at
	}
	ok := 0
	for _, id := range ids {
		if worst[id] <= limit && !last[id].IsZero() && to.Sub(last[id]) <= limit {
			ok++
		}
	}
	slices.Sort(gaps)
	var p99 time.Duration
	if len(gaps) > 0 {
		p99 = gaps[len(gaps)*99/100]
	}
	return fmt.Sprintf("%.1f %%", 100*float64(ok)/float64(len(ids))), p99
}

// computeTime is how long the fake feeds spent computing answers.
func (f *fakeFeeds) computeTime() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.computing
}
