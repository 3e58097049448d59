package portal_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/pos"
)

// scriptedFeed is a POS account whose sales a test delivers one by one.
type scriptedFeed struct {
	mu    sync.Mutex
	sales []pos.Transaction
}

func (f *scriptedFeed) sell(id, terminal string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sales = append(f.sales, pos.Transaction{ID: id, TerminalKey: terminal, SoldAt: at, Kind: pos.Payment,
		Total: 500, Deposit: 500, UpdatedAt: at, Raw: json.RawMessage(`{}`)})
}

// Changes delivers the sales after the cursor, which counts the ones
// delivered.
func (f *scriptedFeed) Changes(_ context.Context, cursor string, _ time.Time) (pos.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, _ := strconv.Atoi(cursor)
	return pos.Page{Transactions: slices.Clone(f.sales[n:]), Cursor: strconv.Itoa(len(f.sales))}, nil
}

func (f *scriptedFeed) Present(context.Context, time.Time, time.Time) (map[string]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := map[string]bool{}
	for _, s := range f.sales {
		ids[s.ID] = true
	}
	return ids, nil
}

// runPoller polls the connections of provider p from feed (the others
// from an account that never sells) until the test ends.
func runPoller(t *testing.T, e *env, p link.Provider, connID int64, feed pos.Feed) {
	t.Helper()
	quiet := &scriptedFeed{}
	feeds := poller.Feeds{p: func(_ context.Context, _, id int64) (pos.Feed, error) {
		if id == connID {
			return feed, nil
		}
		return quiet, nil
	}}
	pl := poller.New(e.pool, feeds, e.links, poller.NewMetrics(prometheus.NewRegistry()), poller.Config{
		Interval: 100 * time.Millisecond, IdleWait: 20 * time.Millisecond, BackoffBase: 50 * time.Millisecond,
		BackoffMax: time.Second, LeaseFor: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("poller: %v", err)
		}
	})
}

// storedCameras are the stored sales of a connection with the camera each
// landed on (0: none).
func storedCameras(t *testing.T, e *env, connID int64) map[string]int64 {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), `SELECT provider_txn_id, coalesce(camera_id, 0) FROM pos_transactions
		WHERE connection_id = $1`, connID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var cam int64
		if err := rows.Scan(&id, &cam); err != nil {
			t.Fatal(err)
		}
		out[id] = cam
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitStoredSales waits until the connection's stored sales number n.
func waitStoredSales(t *testing.T, e *env, connID int64, n int) map[string]int64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := storedCameras(t, e, connID)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %v, waiting for %d sales", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// History across a staff rebind: a register's sales sold before the
// rebind at T land on the camera it fed then (camA), whether they were
// fetched before or after it; those sold after T on the new camera
// (camB). Unlinking the account afterwards keeps every sale, on its
// camera.
func TestSalesBeforeAndAfterAStaffRebindLandOnTheirCameras(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	feed := &scriptedFeed{}
	runPoller(t, e, link.Smaregi, f.sm.ID, feed)

	feed.sell("before-fetched", "1:1", time.Now())
	waitStoredSales(t, e, f.sm.ID, 1)
	soldBefore := time.Now()
	postDone(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {e.seenOf(t, f.sm.ID, "1:1")},
		"camera": {itoa(f.camB.ID)}, "reason": {staffReason}}, "に再連携しました")
	soldAfter := time.Now()
	var rebound time.Time
	if err := e.pool.QueryRow(t.Context(), `SELECT bound_at FROM terminal_bindings
		WHERE connection_id = $1 AND terminal_key = '1:1' AND unbound_at IS NULL`, f.sm.ID).Scan(&rebound); err != nil {
		t.Fatal(err)
	}
	if !soldBefore.Before(rebound) || !rebound.Before(soldAfter) {
		t.Fatalf("the test's premise: sold %v, rebound %v, sold %v", soldBefore, rebound, soldAfter)
	}
	feed.sell("before", "1:1", soldBefore)
	feed.sell("after", "1:1", soldAfter)
	want := map[string]int64{"before-fetched": f.camA.ID, "before": f.camA.ID, "after": f.camB.ID}
	if got := waitStoredSales(t, e, f.sm.ID, 3); !maps.Equal(got, want) {
		t.Fatalf("sales on cameras %v, want %v", got, want)
	}

	postDone(t, f.staff, f.staffLinks("delete", f.sm.ID), url.Values{"binding": e.seenAll(t, f.sm.ID), "reason": {staffReason}},
		"の連携を解除しました。")
	if got := storedCameras(t, e, f.sm.ID); !maps.Equal(got, want) {
		t.Errorf("sales after unlinking %v, want %v", got, want)
	}
}
