package camcloud

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// A camera keeps one frame per whole Unix second it records. Its timeline
// says which seconds those are: from RecordingSince on, outside its gaps
// and power cuts, and, for a shop that switches the camera off at night,
// outside the nights. Everything is whole seconds, so the frames the image
// endpoints serve and the periods /media lists agree exactly.

const day = 24 * 60 * 60

// jstOffset is Japan's offset from UTC in seconds (see jst).
const jstOffset = 9 * 60 * 60

// span is the whole seconds [from, to).
type span struct{ from, to int64 }

type timeline struct {
	since int64  // first second that may be recorded
	off   []span // gaps and power cuts, sorted by from
	// night: no recording while the local second of the day is at or
	// after nightFrom or before nightTo (the night wraps midnight).
	night              bool
	nightFrom, nightTo int64
}

// timelineOf is the timeline of device d: its own history and the power
// cuts injected through the control API.
func (s *Server) timelineOf(d *Device) timeline {
	tl := timeline{since: math.MinInt64}
	if !d.RecordingSince.IsZero() {
		tl.since = ceilSecond(d.RecordingSince)
	}
	cuts := s.reg.powerCuts(d.ID)
	tl.off = make([]span, 0, len(d.Gaps)+len(cuts))
	for _, g := range slices.Concat(d.Gaps, cuts) {
		// Second s is in [From, To) exactly when ceil(From) <= s < ceil(To).
		tl.off = append(tl.off, span{ceilSecond(g.From), ceilSecond(g.To)})
	}
	slices.SortFunc(tl.off, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	dev := hashString(d.ID)
	if offlineAtNight(s.seed, dev, d.Night) {
		open, close := hoursOf(s.seed, dev)
		tl.night = true
		tl.nightFrom, tl.nightTo = int64(close+lightsEarly)*60, int64(open-lightsEarly)*60
	}
	return tl
}

// offlineAtNight is whether the camera is off while its shop is closed.
func offlineAtNight(seed, dev uint64, night string) bool {
	switch night {
	case NightRecord:
		return false
	case NightOffline:
		return true
	}
	return pick(draw(seed, dev, pNight), 3) == 0
}

// secondOfDay is sec's local (JST) second of the day, and the first second
// of that day.
func secondOfDay(sec int64) (sod, dayStart int64) {
	sod = (sec + jstOffset) % day
	if sod < 0 {
		sod += day
	}
	return sod, sec - sod
}

func (tl *timeline) atNight(sec int64) bool {
	if !tl.night {
		return false
	}
	sod, _ := secondOfDay(sec)
	return sod >= tl.nightFrom || sod < tl.nightTo
}

// gapAt is the gap or power cut holding sec, if any.
func (tl *timeline) gapAt(sec int64) (span, bool) {
	for _, g := range tl.off {
		if g.from > sec {
			break
		}
		if sec < g.to {
			return g, true
		}
	}
	return span{}, false
}

// recorded reports whether the camera recorded a frame at second sec (the
// clock aside: whether the second has come is the caller's question).
func (tl *timeline) recorded(sec int64) bool {
	if sec < tl.since || tl.atNight(sec) {
		return false
	}
	_, in := tl.gapAt(sec)
	return !in
}

// lastRecorded is the newest recorded second at or before sec.
func (tl *timeline) lastRecorded(sec int64) (int64, bool) {
	// Each step jumps back before a gap or a night: the gaps and the
	// nights between them bound the steps.
	for range 2*len(tl.off) + 4 {
		if sec < tl.since {
			return 0, false
		}
		if g, in := tl.gapAt(sec); in {
			sec = g.from - 1
			continue
		}
		if tl.atNight(sec) {
			sod, dayStart := secondOfDay(sec)
			if sod < tl.nightTo { // after midnight: the night began the day before
				dayStart -= day
			}
			sec = dayStart + tl.nightFrom - 1
			continue
		}
		return sec, true
	}
	return 0, false
}

// recordedSpans are the recorded seconds within [lo, hi), as maximal spans
// in order.
func (tl *timeline) recordedSpans(lo, hi int64) []span {
	off := make([]span, 0, len(tl.off)+4)
	if tl.since > lo {
		off = append(off, span{lo, tl.since})
	}
	off = append(off, tl.off...)
	if tl.night {
		_, first := secondOfDay(lo)
		for d := first - day; d < hi; d += day {
			off = append(off, span{d + tl.nightFrom, d + day + tl.nightTo})
		}
	}
	slices.SortFunc(off, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var out []span
	at := lo // the first second not yet placed in or out
	for _, o := range off {
		if o.to <= at {
			continue
		}
		if o.from >= hi {
			break
		}
		if o.from > at {
			out = append(out, span{at, o.from})
		}
		at = o.to
		if at >= hi {
			break
		}
	}
	if at < hi {
		out = append(out, span{at, hi})
	}
	return out
}

// ceilSecond is the first whole Unix second at or after t.
func ceilSecond(t time.Time) int64 {
	s := t.Unix()
	if time.Unix(s, 0).Before(t) {
		s++
	}
	return s
}
