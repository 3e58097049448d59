package apitoken

import (
	"testing"
	"time"
)

// The noted uses are bounded: a full shard refuses new tokens (counted)
// but still moves the time of those it holds, never backwards.
func TestUseLogBounded(t *testing.T) {
	var l useLog
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	perShard := maxNoted / useShards
	for i := range perShard + 3 {
		l.note(int64(i*useShards), t0) // all in shard 0
	}
	if n := l.dropped.Load(); n != 3 {
		t.Fatalf("%d dropped, want 3", n)
	}
	l.note(0, t0.Add(time.Minute))
	l.note(0, t0.Add(time.Second))
	if got := l.latest(0); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("latest %v", got)
	}
	ids, times := l.take()
	if len(ids) != perShard || ids[0] != 0 || !times[0].Equal(t0.Add(time.Minute)) {
		t.Fatalf("took %d, first %d at %v", len(ids), ids[0], times[0])
	}
	if ids, _ := l.take(); len(ids) != 0 || !l.latest(0).IsZero() {
		t.Fatalf("the log was not emptied: %v", ids)
	}
}
