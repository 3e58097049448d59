package auth

import "time"

// counter is a row of login_attempts as of now, the database's clock
// (shared by every instance).
type counter struct {
	now, startedAt, endsAt time.Time
	failures, doublings    int
	succeededAt            *time.Time
}

// taken is the outcome of take: wait is zero when a slot was taken.
type taken struct {
	counter
	wait time.Duration
}

func (t taken) succeededWithin(d time.Duration) bool {
	return t.succeededAt != nil && t.now.Sub(*t.succeededAt) < d
}

// take counts one more failure at c.now, opening the next window when the
// current one has ended, or says how long until the window ends when its
// limit is reached. A window that reached the limit doubles the next unless
// forget has passed since it ended.
func (c counter) take(lim Limit, forget time.Duration) (counter, time.Duration) {
	if c.now.Before(c.endsAt) {
		if c.failures >= lim.Max {
			return c, c.endsAt.Sub(c.now)
		}
		c.failures++
		return c, 0
	}
	doublings := 0
	if c.failures >= lim.Max && c.now.Before(c.endsAt.Add(forget)) {
		doublings = min(c.doublings+1, lim.MaxDoublings)
	}
	c.startedAt, c.endsAt = c.now, c.now.Add(lim.Window<<doublings)
	c.failures, c.doublings = 1, doublings
	return c, 0
}
