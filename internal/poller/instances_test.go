package poller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/poslink/poslink/internal/link"
)

// counter is the value of a counter of reg with the given labels (summed
// over the others).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	must(t, err)
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if matches(m, labels) {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func matches(m *dto.Metric, labels map[string]string) bool {
	for k, v := range labels {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Two or three instances over one database, with sales coming in and
// later cancels and edits: every transaction is stored exactly once, every
// instance takes part, and no connection is ever called by two at once.
func TestInstancesPollEachConnectionOnce(t *testing.T) {
	for _, instances := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d instances", instances), func(t *testing.T) {
			clock := newFastClock(60)
			f := newFixture(t, clock.now)
			f.fake.shift = lunchtime(clock.base)
			f.fake.latency, f.fake.jitter = 20*time.Millisecond, 10*time.Millisecond
			var conns []link.Connection
			for i := range 12 {
				c := f.connect(t, link.Provider([]string{"smaregi", "ubiregi"}[i%2]), fmt.Sprintf("acct%d", i), uint64(100+i), "r1", "r2")
				f.bind(t, c.ID, "r1", f.camA.ID)
				f.bind(t, c.ID, "r2", f.camB.ID)
				conns = append(conns, c)
			}
			var runs []*running
			for range instances {
				pool, err := pgxpool.New(f.ctx, f.pool.Config().ConnString())
				must(t, err)
				t.Cleanup(pool.Close)
				cfg := testConfig(clock.now)
				cfg.Concurrency, cfg.LeaseFor = 4, 2*time.Second
				runs = append(runs, startOn(t, pool, f.fake.feeds(), f.links, cfg))
			}
			time.Sleep(6 * time.Second) // six simulated minutes of trade
			end := clock.freeze()
			for _, c := range conns {
				waitFor(t, "the catch-up", func() bool { return f.caughtUp(t, c.ID, end) })
			}
			for _, r := range runs {
				r.stop()
			}
			for _, c := range conns {
				f.checkCaughtUp(t, c.ID, end)
			}
			if n := f.fake.overlapCount(); n != 0 {
				t.Errorf("%d calls overlapped another call for the same connection", n)
			}
			// A revision is made by a change only: at most one per sale (a
			// shop's sale changes once), and never of what is shown now.
			if n := f.count(t, `SELECT count(*) FROM pos_transaction_revisions r JOIN pos_transactions t ON t.id = r.transaction_id
				WHERE r.revision >= t.revision OR r.revision > 1 OR (r.kind, r.total) = (t.kind, t.total)`); n != 0 {
				t.Errorf("%d revisions that no change made", n)
			}
			stored := f.count(t, `SELECT count(*) FROM pos_transactions`)
			var counted float64
			for i, r := range runs {
				ok := counter(t, r.registry, "poslink_poller_polls_total", map[string]string{"outcome": "ok"})
				if ok == 0 {
					t.Errorf("instance %d polled nothing", i)
				}
				counted += counter(t, r.registry, "poslink_poller_transactions_stored_total", nil)
			}
			if int(counted) != stored {
				t.Errorf("the instances counted %v transactions stored, the database has %d", counted, stored)
			}
		})
	}
}

// An instance that stalls after fetching loses its lease to another; when
// it wakes, its write finds the lease gone and stores nothing.
func TestLostLeaseStoresNothing(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }
	f := newFixture(t, clock)
	conn := f.connect(t, link.Smaregi, "c1", 5, "r1")
	f.bind(t, conn.ID, "r1", f.camA.ID)
	stalled, wake := make(chan struct{}), make(chan struct{})
	cfgA := testConfig(clock)
	cfgA.LeaseFor = 500 * time.Millisecond
	var once sync.Once
	cfgA.Hooks = &Hooks{At: func(ctx context.Context, p Point, _ int64) error {
		if p != AfterFetch {
			return nil
		}
		once.Do(func() {
			close(stalled)
			<-wake
		})
		return nil
	}}
	a := f.start(t, cfgA)
	<-stalled
	b := f.start(t, testConfig(clock))
	waitFor(t, "the other instance", func() bool { return f.caughtUp(t, conn.ID, now) })
	before := f.stored(t, conn.ID)
	close(wake)
	waitFor(t, "the stalled write", func() bool {
		// (The stalled instance may have claimed the connection again
		// meanwhile, and stalled in that poll too.)
		return counter(t, a.registry, "poslink_poller_polls_total", map[string]string{"outcome": "lost_lease"}) >= 1
	})
	a.stop()
	b.stop()
	if got := f.stored(t, conn.ID); !sameStored(got, before) {
		t.Error("the instance that lost its lease changed the transactions")
	}
	if n := counter(t, a.registry, "poslink_poller_transactions_stored_total", nil); n != 0 {
		t.Errorf("the instance that lost its lease stored %v transactions", n)
	}
}

// Stopping a poller ends its polls in flight and releases their leases at
// once: the connections stay due, for another instance to take.
func TestStopReleasesLeases(t *testing.T) {
	f := newFixture(t, time.Now)
	for i := range 3 {
		c := f.connect(t, link.Smaregi, fmt.Sprintf("c%d", i), uint64(i), "r1")
		f.bind(t, c.ID, "r1", f.camA.ID)
	}
	f.fake.latency = time.Minute
	cfg := testConfig(time.Now)
	cfg.LeaseFor = 5 * time.Minute
	r := f.start(t, cfg)
	waitFor(t, "the polls", func() bool {
		return f.count(t, `SELECT count(*) FROM poll_states WHERE lease_owner IS NOT NULL`) == 3
	})
	stopped := time.Now()
	r.stop()
	if d := time.Since(stopped); d > writeTimeout {
		t.Errorf("the poller took %v to stop", d)
	}
	if n := f.count(t, `SELECT count(*) FROM poll_states WHERE lease_owner IS NULL AND lease_until IS NULL
		AND due_at <= now() AND failures = 0 AND last_error IS NULL`); n != 3 {
		t.Errorf("%d of 3 connections released, due and not failed", n)
	}
	if n := counter(t, r.registry, "poslink_poller_polls_total", map[string]string{"outcome": "interrupted"}); n != 3 {
		t.Errorf("%v polls counted interrupted, want 3", n)
	}
	if mfs, err := r.registry.Gather(); err == nil {
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if n := lp.GetName(); n != "provider" && n != "outcome" {
						t.Errorf("metric %s has a label %s", mf.GetName(), n)
					}
				}
			}
			if !strings.HasPrefix(mf.GetName(), "poslink_poller_") {
				t.Errorf("unexpected metric %s", mf.GetName())
			}
		}
	}
}
