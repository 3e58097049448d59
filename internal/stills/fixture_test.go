package stills_test

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/sim/camcloud"
	"github.com/poslink/poslink/internal/sim/simclock"
	"github.com/poslink/poslink/internal/stills"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	apiKey   = "stills-test-key"
	register = "cam-register" // records day and night; a power cut 3 to 2 hours ago
)

// fixture is a database with a tenant, a camera and a POS connection, the
// camera-cloud simulator over HTTP on a clock that follows the database's
// (transactions are stored with real times, and due times are the
// database's), and a fetcher.
type fixture struct {
	pool  *pgxpool.Pool
	clock *simclock.Clock
	sim   *camcloud.Server
	cam   *camera.Client
	down  atomic.Bool // the simulator answers 503
	// downMessage is the message of the 503's JSON body ("down" when
	// empty); set it before the fetch.
	downMessage string
	// hold, when set, holds every still request until it is closed, and
	// held is told of each.
	hold, held chan struct{}
	images     atomic.Int64 // still requests the simulator received
	tenantID   int64
	conn       int64
	cameraID   int64
	cutFrom    time.Time
	seq        int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{pool: dbtest.New(t), clock: simclock.NewFrozen(time.Now().Truncate(time.Second))}
	now := f.clock.Now()
	f.cutFrom = now.Add(-3 * time.Hour)
	f.sim = camcloud.New(camcloud.Config{Seed: 7, Clock: f.clock})
	if _, err := f.sim.PutDevice(camcloud.Device{ID: register, Name: "レジ前カメラ", RecordingSince: now.AddDate(0, 0, -14),
		Night: camcloud.NightRecord, Gaps: []camcloud.Gap{{From: f.cutFrom, To: now.Add(-2 * time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.CreateKey(camcloud.Key{Key: apiKey, Devices: []string{register}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/image") {
			f.images.Add(1)
		}
		if f.hold != nil {
			f.held <- struct{}{}
			<-f.hold
		}
		if f.down.Load() {
			msg := cmp.Or(f.downMessage, "down")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
			return
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	f.cam = camera.New(camera.Config{BaseURL: ts.URL, APIKey: apiKey, Now: f.clock.Now, Timeout: 5 * time.Second})
	f.exec(t, `INSERT INTO tenants (name) VALUES ('静止画の店') RETURNING id`, &f.tenantID)
	f.exec(t, `INSERT INTO cameras (tenant_id, device_id, name) VALUES ($1, $2, 'レジ前カメラ') RETURNING id`, &f.cameraID, f.tenantID, register)
	f.exec(t, `INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		VALUES ($1, 'smaregi', 'skstill', 'client_credentials', '\x00') RETURNING id`, &f.conn, f.tenantID)
	return f
}

func (f *fixture) exec(t *testing.T, sql string, dst *int64, args ...any) {
	t.Helper()
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(dst); err != nil {
		t.Fatal(err)
	}
}

// fetcher is a fetcher of the fixture's database and simulator.
func (f *fixture) fetcher(cfg stills.Config) *stills.Fetcher {
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = time.Millisecond
	}
	return stills.NewFetcher(f.pool, f.cam, stills.NewMetrics(prometheus.NewRegistry()), cfg)
}

// sale stores a transaction of the kind sold at on the fixture's camera.
func (f *fixture) sale(t *testing.T, kind string, at time.Time) int64 {
	t.Helper()
	f.seq++
	var id int64
	f.exec(t, `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key, camera_id,
		sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		VALUES ($1, $2, $3, '1:1', $4, $5, 32400, $6, 1000, 1000, 0, $5, '{}') RETURNING id`, &id,
		f.tenantID, f.conn, "t"+itoa(f.seq), f.cameraID, at, kind)
	return id
}

// row is a still as stored.
type row struct {
	state    string
	attempts int
	keep     bool
	bytes    int
	due      *time.Time // nil: infinity
	lastErr  *string
	image    []byte
	inFuture bool // due_at is after the database's now
}

func (f *fixture) row(t *testing.T, txnID int64) row {
	t.Helper()
	var r row
	err := f.pool.QueryRow(context.Background(), `SELECT state, attempts, keep, bytes, nullif(due_at, 'infinity'), last_error, image, due_at > now()
		FROM transaction_stills WHERE transaction_id = $1`, txnID).
		Scan(&r.state, &r.attempts, &r.keep, &r.bytes, &r.due, &r.lastErr, &r.image, &r.inFuture)
	if err != nil {
		t.Fatalf("still of %d: %v", txnID, err)
	}
	return r
}

// dueNow makes a still due at once, as if its wait had passed (the
// database's clock cannot be moved).
func (f *fixture) dueNow(t *testing.T, txnID int64) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), `UPDATE transaction_stills SET due_at = now() WHERE transaction_id = $1`, txnID); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
