package stills_test

import (
	"context"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/stills"
)

// Run fetches what is due and, when stopped during a call to the camera
// cloud, returns and gives the lease back: the still stays due for any
// instance, with no failure counted.
func TestRunStopsAndReleasesItsLeases(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.hold, f.held = make(chan struct{}), make(chan struct{}, 1)
	id := f.sale(t, "delete", f.clock.Now().Add(-5*time.Minute))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		f.fetcher(stills.Config{IdleWait: 10 * time.Millisecond}).Run(runCtx)
		close(done)
	}()
	select {
	case <-f.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the still was never asked for")
	}
	var owner *string
	if err := f.pool.QueryRow(ctx, `SELECT lease_owner FROM transaction_stills WHERE transaction_id = $1`, id).Scan(&owner); err != nil || owner == nil {
		t.Fatalf("no lease during the call: %v", err)
	}
	stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	close(f.hold)
	var until *time.Time
	if err := f.pool.QueryRow(ctx, `SELECT lease_owner, lease_until FROM transaction_stills WHERE transaction_id = $1`, id).Scan(&owner, &until); err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, id); owner != nil || until != nil || r.state != "pending" || r.attempts != 0 || r.inFuture {
		t.Fatalf("after the stop: owner %v, %+v", owner, r)
	}
}
