package camera

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// Period is a stretch of time [Start, End) with a recording.
type Period struct {
	Start, End time.Time
}

// Recordings says which parts of a range were recorded.
type Recordings struct {
	// Until is how far the answer reaches: the end of the range asked
	// for, or a little over MediaDelay ago when that is earlier. Whether anything was
	// recorded after Until is not known yet.
	Until time.Time
	// Periods are the recorded stretches within [from, Until), in order,
	// neither overlapping nor touching.
	Periods []Period
}

// The API's limits on one /media window (shared/pos-apis.md §3), and the
// longest range Recordings splits into such windows: a week covers every
// range of the dashboard's timeline (72 hours at most) in at most eight
// calls.
const (
	minWindow     = time.Minute
	maxWindow     = 24 * time.Hour
	MaxRecordings = 7 * 24 * time.Hour
)

// clockMargin keeps the end of a /media window this much further in the
// past than the API requires, so that a camera cloud whose clock is a
// little behind poslink's does not refuse it.
const clockMargin = 10 * time.Second

// ErrRange is a range Recordings does not ask for: empty, reversed or
// longer than MaxRecordings.
var ErrRange = errors.New("camera: recordings range must be non-empty and at most a week")

// mediaList is GET /v2/devices/{id}/media: {"list":[{"timestamp","duration"}]},
// duration in milliseconds.
type mediaList struct {
	List []struct {
		Timestamp *time.Time `json:"timestamp"`
		Duration  *int64     `json:"duration"`
	} `json:"list"`
}

// Recordings reads which parts of [from, to) the device recorded, asking
// for a day at a time, one call after the other. The part of the range
// less than MediaDelay (and a margin) ago is not asked for: see
// Recordings.Until.
func (c *Client) Recordings(ctx context.Context, deviceID string, from, to time.Time) (Recordings, error) {
	if !to.After(from) || to.Sub(from) > MaxRecordings {
		return Recordings{}, fmt.Errorf("%w: %v to %v", ErrRange, from, to)
	}
	path, err := devicePath(deviceID, "media")
	if err != nil {
		return Recordings{}, err
	}
	k := call{op: "recordings", deviceID: deviceID}
	until := to
	if known := c.now().Add(-MediaDelay - clockMargin); known.Before(until) {
		until = known
	}
	out := Recordings{Until: until}
	if !until.After(from) {
		out.Until = from
		return out, nil
	}
	for start := from; start.Before(until); {
		end := start.Add(maxWindow)
		if end.After(until) {
			end = until
		}
		ps, err := c.media(ctx, k, path, start, end)
		if err != nil {
			return Recordings{}, err
		}
		out.Periods = appendPeriods(out.Periods, ps)
		start = end
	}
	return out, nil
}

// media asks for one window [start, end) and returns its periods, cut to
// the window. A window shorter than the API's minute is asked for as the
// minute ending at end.
func (c *Client) media(ctx context.Context, k call, path string, start, end time.Time) ([]Period, error) {
	ask := start
	if end.Sub(ask) < minWindow {
		ask = end.Add(-minWindow)
	}
	q := url.Values{"start": {ask.In(jst).Format(time.RFC3339Nano)}, "end": {end.In(jst).Format(time.RFC3339Nano)}}
	a, err := c.get(ctx, k, path, q, maxJSON)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, c.statusError(k, a, "")
	}
	if !isJSON(a.header) {
		return nil, k.fail(a.status, pos.Malformed, "not JSON: "+a.header.Get("Content-Type"))
	}
	var l mediaList
	if err := decodeJSON(a.body, &l); err != nil {
		return nil, k.fail(a.status, pos.Malformed, err.Error())
	}
	if l.List == nil {
		return nil, k.fail(a.status, pos.Malformed, "media without list")
	}
	ps := make([]Period, 0, len(l.List))
	for _, m := range l.List {
		if m.Timestamp == nil || m.Duration == nil || *m.Duration < 0 || *m.Duration > int64(maxWindow/time.Millisecond)+1000 {
			return nil, k.fail(a.status, pos.Malformed, "a period without timestamp or with a duration out of range")
		}
		p := Period{Start: *m.Timestamp, End: m.Timestamp.Add(time.Duration(*m.Duration) * time.Millisecond)}
		// ASSUMPTION: periods may begin before the window or end after
		// it (a recording file that straddles its edge); only the part
		// within it counts.
		if p.Start.Before(start) {
			p.Start = start
		}
		if p.End.After(end) {
			p.End = end
		}
		if p.End.After(p.Start) {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// appendPeriods adds ps to the ordered, separate periods of acc, joining
// those that overlap or touch (across the edge of two windows, or periods
// the API splits).
func appendPeriods(acc, ps []Period) []Period {
	slices.SortFunc(ps, func(a, b Period) int { return a.Start.Compare(b.Start) })
	for _, p := range ps {
		if n := len(acc); n > 0 && !p.Start.After(acc[n-1].End) {
			if p.End.After(acc[n-1].End) {
				acc[n-1].End = p.End
			}
			continue
		}
		acc = append(acc, p)
	}
	return acc
}
