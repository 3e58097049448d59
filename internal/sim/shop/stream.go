package shop

import "time"

// Stream calls yield with every sale of the terminals paid in [from, to),
// ordered by minute, then terminal (its index in terminals), then place in
// the minute: the order of IDs built as (minute, terminal, index).
func Stream(terminals []Terminal, from, to time.Time, yield func(ti int, s Sale) bool) {
	for m := floorMinute(from); m < ceilMinute(to); m++ {
		for ti, t := range terminals {
			if !t.Minute(m, paidIn(from, to, func(s Sale) bool { return yield(ti, s) })) {
				return
			}
		}
	}
}

// Changed calls yield, in Stream's order, with every sale whose last change
// as seen at now (its payment, or a later cancel, edit or disposal) lies in
// [since, until): what an API returns for "updated since".
func Changed(terminals []Terminal, since, until, now time.Time, yield func(ti int, s Sale) bool) {
	if until.After(now) {
		until = now
	}
	Stream(terminals, since.Add(-MaxLater), until, func(ti int, s Sale) bool {
		u := s.UpdatedAt(now)
		if u.Before(since) || !u.Before(until) {
			return true
		}
		return yield(ti, s)
	})
}
