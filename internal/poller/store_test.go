package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/sim/shop"
)

// testClock is a providers' clock that tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A new link shows its terminals' sales of the backfill window, each on the
// camera its terminal feeds; a terminal not bound has its sales stored
// without a camera, and binding it later gives them the camera at once,
// without asking the provider again.
func TestNewLinkBackfillsItsWindow(t *testing.T) {
	var now time.Time
	clock := func() time.Time { return now }
	f := newFixture(t, clock)
	conn := f.connect(t, link.Smaregi, "c1", 7, "1:1", "1:2", "1:3")
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	f.bind(t, conn.ID, "1:2", f.camA.ID)
	// The provider's clock stands still from just after the binding, whose
	// reach-back covers the backfill window.
	now = time.Now().Add(time.Second).Truncate(time.Second)
	r := f.start(t, testConfig(clock))
	waitFor(t, "the backfill", func() bool { return f.caughtUp(t, conn.ID, now) })
	f.checkCaughtUp(t, conn.ID, now)

	st, err := NewStatusReader(f.pool, time.UTC, clock).Status(f.ctx, f.tenant.ID)
	must(t, err)
	today := 0
	y, m, d := now.UTC().Date()
	for _, tx := range f.fake.expected(conn.ID, now) {
		if ty, tm, td := tx.SoldAt.UTC().Date(); ty == y && tm == m && td == d {
			today++
		}
	}
	if s := st[conn.ID]; s.State != StateActive || !s.Polled || s.LastOK.IsZero() || s.NextPoll.IsZero() ||
		s.LastError != nil || s.Failures != 0 || s.Today != today {
		t.Errorf("status: %+v, want active, polled, %d today", s, today)
	}
	stored := f.count(t, `SELECT count(*) FROM pos_transactions`)
	if n := counter(t, r.registry, "poslink_poller_transactions_stored_total", map[string]string{"provider": "smaregi"}); int(n) != stored {
		t.Errorf("the metrics count %v transactions stored, the database has %d", n, stored)
	}

	var reach time.Time
	must(t, f.pool.QueryRow(f.ctx, `SELECT min(bound_at) - interval '72 hours' FROM terminal_bindings`).Scan(&reach))
	byKey := map[string]int{}
	for id, s := range f.stored(t, conn.ID) {
		byKey[s.key]++
		switch {
		case s.soldAt.Before(reach):
			// Sold before the window, delivered for a later change in it.
			if s.camera != nil {
				t.Errorf("%s sold before the backfill window is on camera %d", id, *s.camera)
			}
		case s.key == "1:3" && (s.camera != nil || s.name != ""):
			t.Errorf("%s of the unbound register: camera %v, name %q", id, s.camera, s.name)
		case s.key != "1:3" && (s.camera == nil || *s.camera != f.camA.ID || s.name != "レジ "+s.key):
			t.Errorf("%s of register %s: camera %v, name %q; want camera %d", id, s.key, s.camera, s.name, f.camA.ID)
		}
	}
	for _, k := range []string{"1:1", "1:2", "1:3"} {
		if byKey[k] == 0 {
			t.Fatalf("no sales of register %s in 72 hours: %v", k, byKey)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM pos_transaction_revisions`); n != 0 {
		t.Errorf("%d revisions after a backfill, want 0", n)
	}

	f.bind(t, conn.ID, "1:3", f.camB.ID)
	for id, s := range f.stored(t, conn.ID) {
		if s.key == "1:3" && !s.soldAt.Before(reach.Add(time.Second)) && (s.camera == nil || *s.camera != f.camB.ID) {
			t.Errorf("%s of the newly bound register: camera %v, want %d", id, s.camera, f.camB.ID)
		}
	}
}

// scripted is a transaction of register r1 as a test writes it.
func scripted(id string, sold, updated time.Time, kind pos.Kind, total int64, extra map[string]any) pos.Transaction {
	raw := map[string]any{"id": id, "total": total, "updated": updated.Format(time.RFC3339Nano)}
	for k, v := range extra {
		raw[k] = v
	}
	b, _ := json.Marshal(raw)
	return pos.Transaction{ID: id, TerminalKey: "r1", SoldAt: sold.In(shop.Tokyo), Kind: kind, Total: total,
		Deposit: total, ReceiptNo: id, Staff: "佐藤 花子", PaymentMethod: "現金", UpdatedAt: updated, Raw: b}
}

type revision struct {
	number int
	reason string
	kind   string
	total  int64
}

func (f *fixture) revisions(t *testing.T, connID int64, id string) []revision {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT r.revision, r.reason, r.kind, r.total FROM pos_transaction_revisions r
		JOIN pos_transactions t ON t.id = r.transaction_id
		WHERE t.connection_id = $1 AND t.provider_txn_id = $2 ORDER BY r.revision`, connID, id)
	must(t, err)
	defer rows.Close()
	var out []revision
	for rows.Next() {
		var r revision
		must(t, rows.Scan(&r.number, &r.reason, &r.kind, &r.total))
		out = append(out, r)
	}
	must(t, rows.Err())
	return out
}

// Cancels, edits, disposals and deletions after the first delivery update
// the kind and amounts and keep the earlier version; the nightly 精算
// re-delivery (only settlement fields changed) and a repeated delivery keep
// the row as it was, with no revision.
func TestLaterChangesKeepRevisions(t *testing.T) {
	c := newTestClock(time.Now().Truncate(time.Second))
	t0 := c.now()
	f := newFixture(t, c.now)
	conn := f.connect(t, link.Smaregi, "c1", 1)
	f.fake.accounts[conn.ID].keys = []string{"r1"}
	f.fake.accounts[conn.ID].terminals = nil
	f.bind(t, conn.ID, "r1", f.camA.ID)
	sold := t0.Add(-10 * time.Minute)
	for i, id := range []string{"A", "B", "C", "D", "E"} {
		f.fake.script(conn.ID, scripted(id, sold.Add(time.Duration(i)*time.Second), sold, pos.Payment, int64(1000*(i+1)), nil))
	}
	cfg := testConfig(c.now)
	cfg.ReconcileEvery = 200 * time.Millisecond
	f.start(t, cfg)
	waitFor(t, "the first deliveries", func() bool { return len(f.stored(t, conn.ID)) == 5 })
	var maxID int64
	must(t, f.pool.QueryRow(f.ctx, `SELECT max(id) FROM pos_transactions`).Scan(&maxID))

	later := t0.Add(30 * time.Second)
	f.fake.script(conn.ID,
		scripted("A", sold, later, pos.Cancel, 1000, nil),
		scripted("B", sold.Add(time.Second), later, pos.Payment, 1800, nil),
		scripted("C", sold.Add(2*time.Second), later, pos.Delete, 3000, nil),
		// 精算: settled, nothing people see changed.
		scripted("E", sold.Add(4*time.Second), later, pos.Payment, 5000, map[string]any{"sumDivision": "2", "adjustmentDateTime": "x"}),
	)
	f.fake.delete(conn.ID, "D")
	c.advance(time.Minute)
	want := map[string]struct {
		kind     string
		total    int64
		revision int
	}{
		"A": {"cancel", 1000, 2}, "B": {"modify", 1800, 2}, "C": {"delete", 3000, 2}, "D": {"delete", 4000, 2},
		"E": {"payment", 5000, 1},
	}
	settled := func() bool {
		got := f.stored(t, conn.ID)
		for id, w := range want {
			if s := got[id]; s.kind != w.kind || s.total != w.total || s.revision != w.revision {
				return false
			}
		}
		return true
	}
	waitFor(t, "the later changes", settled)

	wantRevs := map[string][]revision{
		"A": {{1, "delivery", "payment", 1000}}, "B": {{1, "delivery", "payment", 2000}},
		"C": {{1, "delivery", "payment", 3000}}, "D": {{1, "vanished", "payment", 4000}}, "E": nil,
	}
	for id, w := range wantRevs {
		if got := f.revisions(t, conn.ID, id); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("revisions of %s: %v, want %v", id, got, w)
		}
	}
	// Each visible change (the reconcile's 削除 too) took a place of its own
	// in the live streams' change order, after every transaction stored
	// before; the 精算 took none.
	places := f.changePlaces(t, conn.ID)
	seen := map[int64]bool{}
	for id, place := range places {
		if changed := id != "E"; changed != (place != 0) || changed && (place <= maxID || seen[place]) {
			t.Errorf("%s is placed at %d (the IDs before reach %d)", id, place, maxID)
		}
		seen[place] = true
	}
	var raw string
	must(t, f.pool.QueryRow(f.ctx, `SELECT raw->>'total' FROM pos_transactions WHERE connection_id = $1 AND provider_txn_id = 'B'`,
		conn.ID).Scan(&raw))
	if raw != "1800" {
		t.Errorf("B's raw record is the old one: total %s", raw)
	}

	// The same edit delivered again, and the payment of a stored cancel:
	// nothing new to see, nothing announced to the live streams.
	heard := listenLive(t, f)
	f.fake.script(conn.ID,
		scripted("B", sold.Add(time.Second), later.Add(time.Minute), pos.Payment, 1800, map[string]any{"again": true}),
		scripted("A", sold, later.Add(time.Minute), pos.Payment, 1000, nil))
	c.advance(2 * time.Minute)
	calls := len(f.fake.callsOf(conn.ID, "changes"))
	waitFor(t, "two more polls", func() bool { return len(f.fake.callsOf(conn.ID, "changes")) >= calls+2 })
	if !settled() {
		t.Errorf("a delivery with nothing new changed a row: %+v", f.stored(t, conn.ID))
	}
	if n := f.count(t, `SELECT count(*) FROM pos_transaction_revisions`); n != 4 {
		t.Errorf("%d revisions, want 4", n)
	}
	if got := f.changePlaces(t, conn.ID); fmt.Sprint(got) != fmt.Sprint(places) {
		t.Errorf("a delivery with nothing new moved a change: %v, was %v", got, places)
	}
	if got := heard(); len(got) != 0 {
		t.Errorf("a delivery with nothing new was announced: %v", got)
	}
}

// changePlaces are the connection's transactions' change_seq (0: never
// changed), by provider ID.
func (f *fixture) changePlaces(t testing.TB, connID int64) map[string]int64 {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT provider_txn_id, coalesce(change_seq, 0) FROM pos_transactions
		WHERE connection_id = $1`, connID)
	must(t, err)
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var place int64
		must(t, rows.Scan(&id, &place))
		out[id] = place
	}
	must(t, rows.Err())
	return out
}

// listenLive listens on the live streams' channel; the function it returns
// says what was announced until then.
func listenLive(t testing.TB, f *fixture) func() []string {
	t.Helper()
	conn, err := f.pool.Acquire(f.ctx)
	must(t, err)
	_, err = conn.Exec(f.ctx, `LISTEN pos_transactions`)
	must(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `UNLISTEN *`)
		conn.Release()
	})
	return func() []string {
		var out []string
		for {
			ctx, cancel := context.WithTimeout(f.ctx, 300*time.Millisecond)
			n, err := conn.Conn().WaitForNotification(ctx)
			cancel()
			if err != nil {
				return out
			}
			out = append(out, n.Payload)
		}
	}
}

// A rebind at T: sales before T stay on camera A, sales from T on go to
// camera B, also a sale of after T stored before the rebind. Deleting the
// link keeps every transaction.
func TestRebindSplitsHistory(t *testing.T) {
	// The provider's clock runs an hour ahead of the database's.
	ahead := func() time.Time { return time.Now().Add(time.Hour) }
	f := newFixture(t, ahead)
	conn := f.connect(t, link.Smaregi, "c1", 1)
	f.fake.accounts[conn.ID].keys, f.fake.accounts[conn.ID].terminals = []string{"r1"}, nil
	f.bind(t, conn.ID, "r1", f.camA.ID)
	now := time.Now()
	// Y is sold before the rebind, X after it: both are stored while A is
	// bound.
	f.fake.script(conn.ID, scripted("Y", now.Add(-time.Minute), ahead(), pos.Payment, 100, nil),
		scripted("X", now.Add(30*time.Minute), ahead(), pos.Payment, 200, nil))
	f.start(t, testConfig(ahead))
	waitFor(t, "Y and X", func() bool { return len(f.stored(t, conn.ID)) == 2 })

	f.bind(t, conn.ID, "r1", f.camB.ID)
	var rebound time.Time
	must(t, f.pool.QueryRow(f.ctx, `SELECT bound_at FROM terminal_bindings WHERE connection_id = $1 AND unbound_at IS NULL`,
		conn.ID).Scan(&rebound))
	f.fake.script(conn.ID,
		scripted("before", rebound.Add(-time.Second), ahead(), pos.Payment, 300, nil),
		scripted("after", rebound.Add(time.Second), ahead(), pos.Payment, 400, nil))
	waitFor(t, "the sales around the rebind", func() bool { return len(f.stored(t, conn.ID)) == 4 })

	cameraOf := func() map[string]int64 {
		out := map[string]int64{}
		for id, s := range f.stored(t, conn.ID) {
			if s.camera != nil {
				out[id] = *s.camera
			}
		}
		return out
	}
	want := map[string]int64{"Y": f.camA.ID, "before": f.camA.ID, "X": f.camB.ID, "after": f.camB.ID}
	if got := cameraOf(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cameras after the rebind: %v, want %v", got, want)
	}

	bs, err := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID)
	must(t, err)
	seen := make([]int64, len(bs))
	for i, b := range bs {
		seen[i] = b.ID
	}
	must(t, f.links.Delete(f.ctx, testActor, f.tenant.ID, conn.ID, seen))
	got := cameraOf()
	var ended time.Time
	must(t, f.pool.QueryRow(f.ctx, `SELECT max(unbound_at) FROM terminal_bindings WHERE connection_id = $1`, conn.ID).Scan(&ended))
	// X was sold after the link ended: no camera showed it (nor "after",
	// should the link have ended within the second after the rebind).
	delete(want, "X")
	if !rebound.Add(time.Second).Before(ended) {
		delete(want, "after")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cameras after the link was deleted: %v, want %v", got, want)
	}
	if n := len(f.stored(t, conn.ID)); n != 4 {
		t.Errorf("%d transactions after the link was deleted, want 4", n)
	}
	var pollable bool
	must(t, f.pool.QueryRow(f.ctx, `SELECT pollable FROM poll_states WHERE connection_id = $1`, conn.ID).Scan(&pollable))
	if pollable {
		t.Error("the deleted link is still polled")
	}
}

// A connection is due an interval after it was last due, not after its
// poll ended: the wait for a claim and the poll's time do not push its
// cadence back poll after poll. A poller more than an interval behind
// polls it at once.
func TestNextPollCountsFromTheDueTime(t *testing.T) {
	f := newFixture(t, time.Now)
	conn := f.connect(t, link.Smaregi, "c1", 7, "1:1")
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	s := &store{pool: f.pool, owner: "test", leaseFor: time.Minute, interval: time.Minute}
	for _, late := range []time.Duration{10 * time.Second, 5 * time.Minute} {
		var due, polled time.Time
		must(t, f.pool.QueryRow(f.ctx, `UPDATE poll_states SET due_at = date_trunc('second', now()) - $2 * interval '1 second'
			WHERE connection_id = $1 RETURNING due_at, now()`, conn.ID, late.Seconds()).Scan(&due, &polled))
		leases, err := s.claim(f.ctx, 1, []string{"smaregi"}, time.Hour)
		must(t, err)
		if len(leases) != 1 {
			t.Fatalf("claimed %d connections", len(leases))
		}
		_, err = s.commitPage(f.ctx, leases[0], columns{}, "cursor", &finish{}, nil)
		must(t, err)
		var next time.Time
		must(t, f.pool.QueryRow(f.ctx, `SELECT due_at FROM poll_states WHERE connection_id = $1`, conn.ID).Scan(&next))
		if want := due.Add(time.Minute); late < time.Minute && !next.Equal(want) {
			t.Errorf("polled %v late: next due %v, want %v (an interval after %v)", late, next, want, due)
		}
		if late > time.Minute && (next.Before(polled) || next.After(polled.Add(time.Minute/2))) {
			t.Errorf("polled %v late: next due %v, want at once (about %v)", late, next, polled)
		}
	}
}
