package poller

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		// A poller that a crash test kills: no test, no database harness.
		os.Exit(crashChild())
	}
	if os.Getenv(simChildEnv) != "" {
		// The load benchmark's simulator.
		os.Exit(serveSimChild())
	}
	dbtest.Main(m)
}

var testActor = audit.Actor{Label: "test"}

// fixture is a tenant with two usable cameras on a database of its own,
// and fake feeds.
type fixture struct {
	ctx        context.Context
	pool       *pgxpool.Pool
	tenancy    *tenancy.Store
	links      *link.Store
	tenant     tenancy.Tenant
	camA, camB tenancy.Camera
	fake       *fakeFeeds
}

func newFixture(t testing.TB, now func() time.Time) *fixture {
	t.Helper()
	return fixtureOn(t, dbtest.New(t), now)
}

func fixtureOn(t testing.TB, pool *pgxpool.Pool, now func() time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	ts := tenancy.NewStore(pool, time.Now, time.UTC)
	key, err := secret.NewKey("k1")
	must(t, err)
	kr, err := secret.NewKeyring(key)
	must(t, err)
	f := &fixture{ctx: ctx, pool: pool, tenancy: ts, links: link.NewStore(pool, kr, ts, time.Now), fake: newFakeFeeds(now)}
	f.tenant, err = ts.CreateTenant(ctx, testActor, tenancy.TenantInput{Name: "店"})
	must(t, err)
	f.camA, f.camB = f.camera(t, "cam-a"), f.camera(t, "cam-b")
	return f
}

func (f *fixture) camera(t testing.TB, dev string) tenancy.Camera {
	t.Helper()
	c, err := f.tenancy.CreateCamera(f.ctx, testActor, f.tenant.ID, tenancy.CameraInput{DeviceID: dev, Name: dev})
	must(t, err)
	must(t, f.tenancy.SetPOSOption(f.ctx, testActor, f.tenant.ID, c.ID, true, f.tenancy.Today().AddDate(0, 0, -7)))
	return c
}

// connect links a POS account of provider p and gives the fake feeds an
// account for it with registers keyed keys.
func (f *fixture) connect(t testing.TB, p link.Provider, ext string, seed uint64, keys ...string) link.Connection {
	t.Helper()
	kind := link.ClientCredentials
	if p == link.Ubiregi {
		kind = link.OAuth2
	}
	c, err := f.links.Save(f.ctx, testActor, f.tenant.ID, link.ConnectionInput{Provider: p, ExternalID: ext,
		Name: ext, AuthKind: kind, Credentials: map[string]string{"secret": "s"}})
	must(t, err)
	f.fake.add(c.ID, seed, keys...)
	return c
}

func (f *fixture) bind(t testing.TB, connID int64, key string, camID int64) {
	t.Helper()
	must(t, f.links.Bind(f.ctx, testActor, f.tenant.ID, connID, link.Terminal{Key: key, Name: "レジ " + key}, camID, link.AnyBinding))
}

// testConfig polls fast: what takes minutes in production takes
// fractions of a second here.
func testConfig(now func() time.Time) Config {
	return Config{Interval: 200 * time.Millisecond, Concurrency: 8, AccountRate: 1000, LeaseFor: 3 * time.Second,
		BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second, IdleWait: 20 * time.Millisecond,
		BacklogEvery: 100 * time.Millisecond, Now: now}
}

// running is a poller running in the background.
type running struct {
	p        *Poller
	registry *prometheus.Registry
	stop     func()
}

// start runs a poller on the fixture's feeds until the test ends (or stop).
func (f *fixture) start(t testing.TB, cfg Config) *running {
	t.Helper()
	return startOn(t, f.pool, f.fake.feeds(), f.links, cfg)
}

func startOn(t testing.TB, pool *pgxpool.Pool, feeds Feeds, links *link.Store, cfg Config) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	p := New(pool, feeds, links, NewMetrics(reg), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	r := &running{p: p, registry: reg}
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("poller: %v", err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitOr(t, what, cond, func() string { return "" })
}

// lookedLightly asks cond, then waits twice as long as asking took (at
// least 20 ms) when it does not hold: a costly condition (the fake feeds'
// expected sales) never takes the CPU the pollers under test need.
func lookedLightly(cond func() bool) bool {
	start := time.Now()
	if cond() {
		return true
	}
	time.Sleep(max(20*time.Millisecond, 2*time.Since(start)))
	return false
}

// waitOr is waitFor saying what explain says when it times out.
func waitOr(t testing.TB, what string, cond func() bool, explain func() string) {
	t.Helper()
	awaitBefore(t, time.Now().Add(time.Minute), what, cond, explain)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// storedTxn is a stored transaction as the tests compare it.
type storedTxn struct {
	id, key, kind, receipt, staff, method, name string
	camera                                      *int64
	soldAt                                      time.Time
	offset                                      int
	total, deposit, change                      int64
	revision                                    int
}

func (f *fixture) stored(t testing.TB, connID int64) map[string]storedTxn {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT provider_txn_id, terminal_key, kind, receipt_no, staff, payment_method,
		terminal_name, camera_id, sold_at, sold_utc_offset, total, deposit, change, revision
		FROM pos_transactions WHERE connection_id = $1`, connID)
	must(t, err)
	defer rows.Close()
	out := map[string]storedTxn{}
	for rows.Next() {
		var s storedTxn
		must(t, rows.Scan(&s.id, &s.key, &s.kind, &s.receipt, &s.staff, &s.method, &s.name, &s.camera, &s.soldAt,
			&s.offset, &s.total, &s.deposit, &s.change, &s.revision))
		out[s.id] = s
	}
	must(t, rows.Err())
	return out
}

func (f *fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	must(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// sameAsDelivered says how a stored transaction differs from the latest
// delivery of it ("" when it does not). A payment delivered changed shows
// as 修正 (modify).
func sameAsDelivered(s storedTxn, tx pos.Transaction) string {
	kind := string(tx.Kind)
	if tx.Kind == pos.Payment && s.revision > 1 {
		kind = string(pos.Modify)
	}
	_, off := tx.SoldAt.Zone()
	switch {
	case s.kind != kind:
		return fmt.Sprintf("kind %s, want %s", s.kind, kind)
	case !s.soldAt.Equal(tx.SoldAt) || s.offset != off:
		return fmt.Sprintf("sold at %s%+d, want %s", s.soldAt, s.offset, tx.SoldAt)
	case s.total != tx.Total || s.deposit != tx.Deposit || s.change != tx.Change:
		return fmt.Sprintf("amounts %d/%d/%d, want %d/%d/%d", s.total, s.deposit, s.change, tx.Total, tx.Deposit, tx.Change)
	case s.key != tx.TerminalKey || s.receipt != tx.ReceiptNo || s.staff != tx.Staff || s.method != tx.PaymentMethod:
		return fmt.Sprintf("register/receipt/staff/method %s/%s/%s/%s, want %s/%s/%s/%s", s.key, s.receipt, s.staff,
			s.method, tx.TerminalKey, tx.ReceiptNo, tx.Staff, tx.PaymentMethod)
	}
	return ""
}

// checkCaughtUp fails unless the connection's stored transactions are
// exactly the feed's, each in its latest version.
func (f *fixture) checkCaughtUp(t testing.TB, connID int64, now time.Time) {
	t.Helper()
	want := f.fake.expected(connID, now)
	got := f.stored(t, connID)
	if len(want) == 0 {
		t.Fatal("the feed has no transactions: the test tests nothing")
	}
	for id, tx := range want {
		s, ok := got[id]
		if !ok {
			t.Errorf("transaction %s not stored", id)
			continue
		}
		if d := sameAsDelivered(s, tx); d != "" {
			t.Errorf("transaction %s: %s", id, d)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("transaction %s stored but not the feed's", id)
		}
	}
}

// caughtUp reports whether every transaction of the feed is stored in its
// latest version.
func (f *fixture) caughtUp(t testing.TB, connID int64, now time.Time) bool {
	t.Helper()
	return caughtUpExcept(f.fake.expected(connID, now), f.stored(t, connID))
}

// sameStored reports whether two reads of the stored transactions are equal.
func sameStored(a, b map[string]storedTxn) bool {
	if len(a) != len(b) {
		return false
	}
	for id, x := range a {
		y, ok := b[id]
		if !ok || (x.camera == nil) != (y.camera == nil) || (x.camera != nil && *x.camera != *y.camera) {
			return false
		}
		x.camera, y.camera = nil, nil
		if fmt.Sprint(x) != fmt.Sprint(y) {
			return false
		}
	}
	return true
}
