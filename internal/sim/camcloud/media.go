package camcloud

import (
	"errors"
	"time"
)

// MediaDelay is how long after a moment its recording can be asked for.
//
// The official client refuses a /media range whose end is less than a
// minute ago ("現在時刻から1分以上前の時刻である必要がある", shared/pos-apis.md
// §3, F1): the cloud receives and stores the video about a minute late.
// ASSUMPTION: a still at a timestamp (/image?timestamp) waits for the same
// minute, since it is cut from that recording; the live picture (/image
// without a timestamp, /thumbnail) does not.
const MediaDelay = time.Minute

var (
	errFuture      = errors.New("timestamp is in the future")
	errNotYet      = errors.New("no recorded media at the timestamp yet: recordings can be read about a minute after")
	errNotRecorded = errors.New("no recorded media at the timestamp")
)

// available reports whether the recorded second sec can be read at now.
func available(sec int64, now time.Time) bool {
	return !time.Unix(sec, 0).Add(MediaDelay).After(now)
}

// frameAt is the second of the frame the image endpoint returns for t.
//
// ASSUMPTION (#20): the nearest stored frame within ±1 s of t, the earlier
// one on a tie; 404 when there is none, i.e. outside recorded media (before
// recording began, in a gap, at night for a camera switched off then). A t
// in the future, or within MediaDelay of now, is refused outright (404 too:
// the media is not there), whatever frame lies within 1 s.
func (tl *timeline) frameAt(t, now time.Time) (int64, error) {
	if t.After(now) {
		return 0, errFuture
	}
	if t.Add(MediaDelay).After(now) {
		return 0, errNotYet
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
		if tl.recorded(c) && available(c, now) {
			return c, nil
		}
	}
	return 0, errNotRecorded
}

// latest is the second of the device's newest frame at now: the current
// second while it records, else the last second before it went offline.
//
// ASSUMPTION: the thumbnail is the last picture the cloud received, so an
// offline camera still has one (its last frame before the gap or the
// night); only a camera that never recorded has none.
func (tl *timeline) latest(now time.Time) (int64, bool) {
	return tl.lastRecorded(now.Unix()) // Unix floors, also before 1970
}

// streaming is status.video_streaming at now.
//
// ASSUMPTION: a camera is "connected" (video_streaming) exactly when it
// records: a recording gap is the camera being offline.
func (tl *timeline) streaming(now time.Time) bool {
	return tl.recorded(now.Unix())
}
