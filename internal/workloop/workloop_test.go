package workloop

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Items are worked at most Concurrency at once, every claimed one is
// worked, a failed claim is retried, and Run returns when ctx ends.
func TestLoopBoundsAndWorksEverything(t *testing.T) {
	const total, concurrency = 50, 4
	var mu sync.Mutex
	next, failed := 0, false
	var inFlight, most, worked atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	l := Loop[int]{Concurrency: concurrency, IdleWait: 5 * time.Millisecond, RetryWait: time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), What: "items",
		Claim: func(_ context.Context, n int) ([]int, error) {
			mu.Lock()
			defer mu.Unlock()
			if n > concurrency {
				t.Errorf("asked to claim %d with %d slots", n, concurrency)
			}
			if !failed {
				failed = true
				return nil, errors.New("database away")
			}
			var out []int
			for ; n > 0 && next < total; n-- {
				out = append(out, next)
				next++
			}
			return out, nil
		},
		Work: func(context.Context, int) {
			now := inFlight.Add(1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			inFlight.Add(-1)
			if worked.Add(1) == total {
				cancel()
			}
		},
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() { l.Run(ctx, &wg); wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the loop did not end")
	}
	if worked.Load() != total || most.Load() > concurrency {
		t.Fatalf("worked %d of %d, at most %d at once (bound %d)", worked.Load(), total, most.Load(), concurrency)
	}
}
