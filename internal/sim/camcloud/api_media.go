package camcloud

import (
	"fmt"
	"net/http"
	"time"
)

// The window of one /media request, as the official client checks it
// ("start/endの取得最大範囲は 1日", duration between 1 minute and 1 day).
const (
	minMediaWindow = time.Minute
	maxMediaWindow = 24 * time.Hour
)

// mediaList is the body of GET /v2/devices/{device_id}/media.
//
// ASSUMPTION: the official client reads only "list" and asks once per
// window (no offset or limit, unlike standard_events), so the body is
// {"list": [...]} with every period of the window, unpaged.
type mediaList struct {
	List []mediaPeriod `json:"list"`
}

// mediaPeriod is a recorded period: its start ("メディア開始日時") and its
// length in milliseconds ("メディア記録時間 [ミリ秒]").
type mediaPeriod struct {
	Timestamp string `json:"timestamp"`
	Duration  int64  `json:"duration"`
}

// media is GET /v2/devices/{device_id}/media?start&end: the periods with a
// recording within [start, end).
//
// ASSUMPTION: one period per stretch of continuous recording, cut at the
// window's edges; a stretch is not split into files of some fixed length.
// Times are written in the zone of start, to the millisecond.
func (s *Server) media(w http.ResponseWriter, r *http.Request) {
	d, ok := s.device(w, r)
	if !ok {
		return
	}
	start, end, err := mediaWindow(r, s.clock.Now())
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	tl := s.timelineOf(&d)
	// The seconds whose frame [sec, sec+1) meets [start, end).
	lo, hi := start.Unix(), ceilSecond(end) // Unix floors, also before 1970
	out := mediaList{List: []mediaPeriod{}}
	for _, sp := range tl.recordedSpans(lo, hi) {
		from, to := time.Unix(sp.from, 0), time.Unix(sp.to, 0)
		from, to = later(from, start), earlier(to, end)
		from, to = from.Truncate(time.Millisecond), to.Truncate(time.Millisecond)
		if !to.After(from) {
			continue
		}
		out.List = append(out.List, mediaPeriod{
			Timestamp: from.In(start.Location()).Format(time.RFC3339Nano),
			Duration:  to.Sub(from).Milliseconds(),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// mediaWindow reads and checks start and end.
//
// ASSUMPTION: the API enforces what the official client checks before
// calling: both ISO 8601 with a time zone, the same offset in both, end
// after start by 1 minute to 1 day, end at least MediaDelay before now.
// Each failure is a 400 naming the parameter.
func mediaWindow(r *http.Request, now time.Time) (start, end time.Time, err error) {
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start", &start}, {"end", &end}} {
		if !q.Has(p.name) {
			return start, end, fmt.Errorf("%s is required", p.name)
		}
		t, err := parseTimestamp(q.Get(p.name))
		if err != nil {
			return start, end, fmt.Errorf("%s: %w", p.name, err)
		}
		*p.dst = t
	}
	_, so := start.Zone()
	_, eo := end.Zone()
	if so != eo {
		return start, end, fmt.Errorf("start and end must be in the same time zone")
	}
	if w := end.Sub(start); w < minMediaWindow || w > maxMediaWindow {
		return start, end, fmt.Errorf("end must be 1 minute to 1 day after start")
	}
	if end.Add(MediaDelay).After(now) {
		return start, end, fmt.Errorf("end must be at least 1 minute before the current time")
	}
	return start, end, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
