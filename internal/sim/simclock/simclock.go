// Package simclock is the simulators' clock: the real time by default, or
// frozen, set or advanced by tests and benchmarks.
package simclock

import (
	"sync"
	"time"
)

// Clock is a movable clock, safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration // added to the real time while running
	frozen bool
	at     time.Time // the time while frozen
	real   func() time.Time
}

// New returns a clock running with the real time.
func New() *Clock { return &Clock{real: time.Now} }

// NewFrozen returns a clock stopped at t: every reading is t until it is
// set, advanced or resumed.
func NewFrozen(t time.Time) *Clock {
	c := New()
	c.Freeze(t)
	return c
}

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.at
	}
	return c.real().Add(c.offset)
}

// Freeze stops the clock at t.
func (c *Clock) Freeze(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.at = true, t
}

// Resume lets a frozen clock run again from where it stands.
func (c *Clock) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.offset = c.at.Sub(c.real())
		c.frozen = false
	}
}

// Set moves the clock to t, keeping it frozen or running as it was.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = t
		return
	}
	c.offset = t.Sub(c.real())
}

// Advance moves the clock forward by d (backward when d < 0).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
		return
	}
	c.offset += d
}

// Frozen reports whether the clock is stopped.
func (c *Clock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}
