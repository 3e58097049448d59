package poller

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait after the n-th consecutive failure (n ≥ 1): base
// doubled for each failure before it, at most max, of which a random part
// up to half is taken off, so that connections failing together (a
// provider's outage) do not come back together.
func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d - rand.N(d/2+1)
}
