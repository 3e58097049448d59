package simclock

import (
	"testing"
	"time"
)

func TestFrozenSetAdvanceResume(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	c := NewFrozen(t0)
	if !c.Now().Equal(t0) || !c.Frozen() {
		t.Fatal("frozen clock moved")
	}
	c.Advance(90 * time.Second)
	if !c.Now().Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("advance: %v", c.Now())
	}
	c.Set(t0)
	c.Resume()
	if c.Frozen() {
		t.Fatal("still frozen after Resume")
	}
	if d := c.Now().Sub(t0); d < 0 || d > time.Second {
		t.Fatalf("resumed clock is %v from where it stood", d)
	}
	c.Advance(time.Hour)
	if d := c.Now().Sub(t0); d < time.Hour || d > time.Hour+time.Second {
		t.Fatalf("advance of a running clock: %v", d)
	}
}
