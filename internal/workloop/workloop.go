// Package workloop runs work claimed from the database: the claim loop
// that the poller (connections) and the stills fetcher (stills) share.
// What is claimed, and how leases are taken, fenced and ended, stays with
// them; this package only keeps a bounded number of items in hand.
package workloop

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Loop claims and works through items of type T.
type Loop[T any] struct {
	// Concurrency is the most items worked at once.
	Concurrency int
	// IdleWait is how long to wait before claiming again when fewer were
	// due than there were free slots; RetryWait after a failed claim (the
	// database is away).
	IdleWait, RetryWait time.Duration
	// Claim claims at most n due items; Work works one (in its own
	// goroutine, ended when ctx is).
	Claim func(ctx context.Context, n int) ([]T, error)
	Work  func(ctx context.Context, item T)
	Log   *slog.Logger
	// What names the items in the log ("connections", "stills").
	What string
}

// Run claims while it has free slots and works each item in a goroutine
// of wg, until ctx ends. The caller waits for wg: items in hand end on
// their own terms.
func (l Loop[T]) Run(ctx context.Context, wg *sync.WaitGroup) {
	slots := make(chan struct{}, l.Concurrency)
	freed := make(chan struct{}, 1)
	idle := time.NewTimer(0)
	defer idle.Stop()
	for {
		free := cap(slots) - len(slots)
		claimed := 0
		if free > 0 {
			items, err := l.Claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				// The database is away: no claims, and one line per wait.
				l.Log.Warn("claim due "+l.What, "err", err, "retry_in", l.RetryWait)
				if !Sleep(ctx, l.RetryWait) {
					return
				}
				continue
			}
			for _, item := range items {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() {
						<-slots
						select {
						case freed <- struct{}{}:
						default:
						}
					}()
					l.Work(ctx, item)
				})
			}
			claimed = len(items)
		}
		// All slots taken: claim again when one frees. Otherwise nothing
		// more is due now: look again after a while.
		var wake <-chan struct{}
		if claimed == free {
			wake = freed
		}
		idle.Reset(l.IdleWait)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-idle.C:
		}
	}
}

// Sleep waits d, or less when ctx ends first; it says whether it waited
// the whole time.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Backoff is the wait after the n-th consecutive failure (n ≥ 1): base
// doubled for each failure before it, at most max, of which a random part
// up to half is taken off, so that work failing together (an outage) does
// not come back together.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d - rand.N(d/2+1)
}
