package ubiregi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// ASSUMPTION: [pos-apis.md §5 #3] a page holds 100 checkouts unless
// limit (or count) asks for fewer; more than 100 is cut to 100.
const (
	defaultPageSize = 100
	maxPageSize     = 100
)

// window is a parsed checkouts query.
type window struct {
	since, until time.Time // [since, until); since zero: from the beginning
	glb          int64
	hasGLB       bool
	limit        int
	// limitSet: the client asked for a page size (limit or count).
	limitSet   bool
	closedOnly bool
	// sinceParam is since as the client wrote it, for next-url.
	sinceParam string
	// flags are the documented switches given (verbose, image,
	// total_count), each once, for next-url.
	flags      url.Values
	totalCount bool
}

// lookBack bounds how long before its last update a checkout was paid: a
// later change comes at most shop.MaxLater after payment, the upload a
// few seconds after it.
const lookBack = shop.MaxLater + time.Minute

type checkoutsJSON struct {
	Timestamp      stamp   `json:"timestamp"`
	NextBatchSince stamp   `json:"next_batch_since"`
	LastUpdatedAt  stamp   `json:"last_updated_at"`
	NextURL        *string `json:"next-url"`
	// TotalCount is sent when total_count=true was asked for.
	TotalCount *int           `json:"total_count,omitempty"`
	Checkouts  []checkoutJSON `json:"checkouts"`
}

// handleCheckouts is GET /api/3/accounts/{current|id}/checkouts (and
// …/checkouts/close with closedOnly): the checkouts whose current
// updated_at is in [since, until) and id > glb, sorted by id.
func (s *Server) handleCheckouts(closedOnly bool) func(http.ResponseWriter, *http.Request, apiRequest) {
	return func(w http.ResponseWriter, r *http.Request, q apiRequest) {
		if !ownAccount(r, q.acct) {
			writeError(w, http.StatusNotFound, "the resource you requested was not found")
			return
		}
		now := q.now.UTC().Truncate(time.Second)
		win, err := parseWindow(r.URL.Query(), now)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		win.closedOnly = closedOnly
		st := newStore(s.cfg.Seed, q.acct)
		views, more, total := st.page(win, now)
		out := checkoutsJSON{
			// Documented: timestamp is the requested until if one was
			// given, else the server time; next_batch_since is what to
			// pass as since next time (the real sample has them equal).
			Timestamp:      stamp(win.until),
			NextBatchSince: stamp(win.until),
			LastUpdatedAt:  stamp(st.lastUpdated(now, closedOnly)),
			Checkouts:      make([]checkoutJSON, 0, len(views)),
		}
		for _, v := range views {
			out.Checkouts = append(out.Checkouts, st.json(v))
		}
		if win.totalCount {
			out.TotalCount = &total
		}
		if more {
			next := nextURL(r, win, views[len(views)-1].id)
			out.NextURL = &next
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// parseWindow reads since, until, glb and limit (or count).
func parseWindow(q url.Values, now time.Time) (window, error) {
	win := window{until: now, limit: defaultPageSize}
	if v := q.Get("since"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return win, fmt.Errorf("invalid parameter since: %w", err)
		}
		win.since, win.sinceParam = t, v
	}
	if v := q.Get("until"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return win, fmt.Errorf("invalid parameter until: %w", err)
		}
		// Responses carry whole seconds: so does the bound they report.
		// ASSUMPTION: an until in the future is the server time, so that
		// timestamp (the next since) never runs ahead of what exists.
		if t = t.UTC().Truncate(time.Second); t.Before(now) {
			win.until = t
		}
	}
	if v := q.Get("glb"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return win, fmt.Errorf("invalid parameter glb: want an integer id")
		}
		win.glb, win.hasGLB = n, true
	}
	// ASSUMPTION: [pos-apis.md §5 #3] count (used by a production client) is a synonym
	// of limit; limit wins when both are given.
	for _, name := range []string{"count", "limit"} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return win, fmt.Errorf("invalid parameter %s: want a positive integer", name)
			}
			win.limit, win.limitSet = min(n, maxPageSize), true
		}
	}
	// ASSUMPTION: total_count=true adds "total_count", the number of
	// checkouts of the whole result set of this request (glb included),
	// after next-url; any other value is ignored, like verbose and image.
	win.totalCount = q.Get("total_count") == "true"
	win.flags = url.Values{}
	for _, name := range []string{"verbose", "image", "total_count"} {
		if v := q.Get(name); v != "" {
			win.flags.Set(name, v)
		}
	}
	return win, nil
}

// parseTime reads an ISO 8601 instant as clients send it: UTC with Z or
// with an offset (+09:00).
//
// ASSUMPTION: a '+' sent unescaped in a query arrives as a space and is
// read as '+'; an instant without offset is UTC (the old docs say
// parameters are UTC).
func parseTime(v string) (time.Time, error) {
	if i := strings.LastIndexByte(v, ' '); i > 10 {
		v = v[:i] + "+" + v[i+1:]
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", v, time.UTC); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want an ISO 8601 time such as 2022-06-25T14:50:16Z")
}

// nextURL is the absolute URL of the next page: the window's parameters,
// each once, with glb the last id returned. Parameters the API does not
// know are left out, and a parameter repeated in the request appears once,
// so the URL does not grow from page to page.
//
// ASSUMPTION: next-url also pins until to this response's timestamp, so a
// walk through the pages sees one window even as the clock moves on;
// changes made meanwhile come in the next batch (since = timestamp), as
// the docs' "Fetching Whole Collection" describes.
func nextURL(r *http.Request, win window, lastID int64) string {
	q := url.Values{}
	for k, v := range win.flags {
		q[k] = v
	}
	if win.sinceParam != "" {
		q.Set("since", win.sinceParam)
	}
	q.Set("until", win.until.UTC().Format(stampLayout))
	q.Set("glb", strconv.FormatInt(lastID, 10))
	if win.limitSet {
		q.Set("limit", strconv.Itoa(win.limit))
	}
	return baseURL(r) + r.URL.EscapedPath() + "?" + q.Encode()
}

// page returns up to win.limit checkouts of the window in id order,
// whether more follow and, when win.totalCount, how many the window holds
// in all.
func (st *store) page(win window, now time.Time) ([]view, bool, int) {
	var from int64 // Unix minute to start looking at
	if !win.since.IsZero() {
		from = floorMinute(win.since.Add(-lookBack))
	} else {
		from = floorMinute(st.acct.HistoryFrom)
	}
	if win.hasGLB {
		from = max(from, minuteOfID(win.glb))
	}
	// A checkout updated before until was paid before it.
	to := floorMinute(win.until.Add(-time.Nanosecond)) + 1
	var out []view
	more, total := false, 0
	st.forEach(from, to, func(d int, s shop.Sale) bool {
		v := st.viewAt(d, s, now)
		if (win.hasGLB && v.id <= win.glb) || v.updated.Before(win.since) || !v.updated.Before(win.until) {
			return true
		}
		if win.closedOnly && v.status != statusClose && v.status != statusCancel {
			return true
		}
		total++
		if len(out) == win.limit {
			more = true
			return win.totalCount
		}
		out = append(out, v)
		return true
	})
	return out, more, total
}

// lastUpdated is the latest updated_at of the account's checkouts as of
// now: documented as the time of the last update of any object of the
// resource, so a client can tell whether anything changed after its
// window.
//
// ASSUMPTION: it is null when the account has no checkout yet, and it
// looks back two days at most (the simulated shops open every day, so
// that always reaches the last sale of an account with any history).
func (st *store) lastUpdated(now time.Time, closedOnly bool) time.Time {
	var best time.Time
	low := max(floorMinute(now.Add(-48*time.Hour)), floorMinute(st.acct.HistoryFrom))
	for m := floorMinute(now); m >= low; m-- {
		// Nothing paid in minute m or before was updated after this.
		if !best.IsZero() && !time.Unix((m+1)*60, 0).Add(lookBack).After(best) {
			break
		}
		st.forEach(m, m+1, func(d int, s shop.Sale) bool {
			v := st.viewAt(d, s, now)
			if v.updated.After(now) || (closedOnly && v.status != statusClose && v.status != statusCancel) {
				return true
			}
			if v.updated.After(best) {
				best = v.updated
			}
			return true
		})
	}
	return best
}

// floorMinute is the Unix minute holding t.
func floorMinute(t time.Time) int64 {
	u := t.Unix()
	if u < 0 {
		return (u - 59) / 60
	}
	return u / 60
}
