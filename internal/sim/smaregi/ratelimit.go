package smaregi

import (
	"sync"
	"time"
)

// limiter counts each contract's requests per second of the simulated
// clock. On a frozen clock it is therefore deterministic (the 11th request
// of a frozen second is refused until the clock moves); on a running clock
// it behaves like the real one. It holds one small entry per contract seen
// in the current second.
type limiter struct {
	mu        sync.Mutex
	windows   map[string]window
	lastSweep int64
}

type window struct {
	second int64
	count  int
}

// allow counts one request of the contract and reports whether it is
// within perSecond (< 0: unlimited).
func (l *limiter) allow(contract string, perSecond int, now time.Time) bool {
	if perSecond < 0 {
		return true
	}
	sec := now.Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]window{}
	}
	// Forget contracts idle since an earlier second, now and then.
	if len(l.windows) > 1024 && l.lastSweep != sec {
		for k, w := range l.windows {
			if w.second != sec {
				delete(l.windows, k)
			}
		}
		l.lastSweep = sec
	}
	w := l.windows[contract]
	if w.second != sec {
		w = window{second: sec}
	}
	w.count++
	l.windows[contract] = w
	return w.count <= perSecond
}

// limitOf is the contract's requests per second.
func (s *Server) limitOf(a *account) int {
	if a.RateLimit != 0 {
		return a.RateLimit
	}
	return s.rateLimit
}
