package camcloud

import (
	"errors"
	"time"
)

// The simulated camera keeps one frame per whole second of recording.

var (
	errFuture      = errors.New("timestamp is in the future")
	errNotRecorded = errors.New("no recorded media at the timestamp")
)

// recordedAt reports whether the device has a frame at the Unix second
// sec, as seen at now: the frame exists once its second has come, from
// RecordingSince on, outside the gaps.
func (d *Device) recordedAt(sec int64, now time.Time) bool {
	t := time.Unix(sec, 0)
	if t.After(now) {
		return false
	}
	if !d.RecordingSince.IsZero() && t.Before(d.RecordingSince) {
		return false
	}
	for _, g := range d.Gaps {
		if !t.Before(g.From) && t.Before(g.To) {
			return false
		}
	}
	return true
}

// frameAt is the second of the frame the image endpoint returns for t.
//
// ASSUMPTION (#20): the nearest stored frame within ±1 s of t, the earlier
// one on a tie; 404 when there is none, i.e. outside recorded media (before
// recording began, in a gap). A t after now is refused outright: the real
// service cannot have recorded the future, whatever frame lies within 1 s.
func (d *Device) frameAt(t, now time.Time) (int64, error) {
	if t.After(now) {
		return 0, errFuture
	}
	ns := t.UnixNano()
	s0 := ns / 1e9
	frac := ns - s0*1e9
	if frac < 0 { // floor for times before 1970
		s0, frac = s0-1, frac+1e9
	}
	// Candidates by distance: s0 (frac), s0+1 (1e9−frac) and, when t is a
	// whole second, s0−1 and s0+1 are exactly 1 s away.
	cands := []int64{s0, s0 + 1}
	if frac > 5e8 {
		cands = []int64{s0 + 1, s0}
	}
	if frac == 0 {
		cands = []int64{s0, s0 - 1, s0 + 1}
	}
	for _, c := range cands {
		if d.recordedAt(c, now) {
			return c, nil
		}
	}
	return 0, errNotRecorded
}

// latest is the second of the device's newest frame at now: the current
// second while it records, else the last second before it went offline.
//
// ASSUMPTION: the thumbnail is the last picture the cloud received, so an
// offline camera still has one (its last frame before the gap); only a
// camera that never recorded has none.
func (d *Device) latest(now time.Time) (int64, bool) {
	sec := now.Unix() // floors, also before 1970
	if d.recordedAt(sec, now) {
		return sec, true
	}
	// Walk back over the gaps that hold sec, latest first.
	for i := len(d.Gaps) - 1; i >= 0; i-- {
		g := d.Gaps[i]
		t := time.Unix(sec, 0)
		if !t.Before(g.From) && t.Before(g.To) {
			sec = ceilSecond(g.From) - 1
			if d.recordedAt(sec, now) {
				return sec, true
			}
		}
	}
	return 0, false
}

// streaming is status.video_streaming at now.
//
// ASSUMPTION: a camera is "connected" (video_streaming) exactly when it
// records: a recording gap is the camera being offline.
func (d *Device) streaming(now time.Time) bool {
	return d.recordedAt(now.Unix(), now)
}

// ceilSecond is the first whole Unix second at or after t.
func ceilSecond(t time.Time) int64 {
	s := t.Unix()
	if time.Unix(s, 0).Before(t) {
		s++
	}
	return s
}
