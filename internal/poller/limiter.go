package poller

import (
	"context"
	"sync"
	"time"
)

// accountLimiter spaces this instance's requests for one POS account at
// least gap apart. A connection is polled by one instance at a time, so
// the instance holding it sees all of its requests.
type accountLimiter struct {
	gap  time.Duration
	mu   sync.Mutex
	next map[int64]time.Time
}

func newAccountLimiter(perSecond float64) *accountLimiter {
	return &accountLimiter{gap: time.Duration(float64(time.Second) / perSecond), next: map[int64]time.Time{}}
}

// wait blocks until the account may send its next request, or ctx ends.
func (l *accountLimiter) wait(ctx context.Context, id int64) error {
	now := time.Now()
	l.mu.Lock()
	at := now
	if next := l.next[id]; next.After(at) {
		at = next
	}
	l.next[id] = at.Add(l.gap)
	if len(l.next) > 4096 {
		for k, t := range l.next {
			if t.Before(now) {
				delete(l.next, k)
			}
		}
	}
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
