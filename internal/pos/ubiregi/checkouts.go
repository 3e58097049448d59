package ubiregi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PageSize is the page the checkouts collection is asked for.
//
// ASSUMPTION: (pos-apis §5 #3) Ubiregi serves at most 100 checkouts a
// page; asking for exactly that keeps a page within what it promises.
const PageSize = 100

// CheckoutsQuery is one request of the checkouts collection: the
// checkouts with since ≤ updated_at < until and id > glb, sorted by id
// (pos-apis §1.3).
type CheckoutsQuery struct {
	// AccountID is the account whose checkouts are read.
	AccountID int64
	// Since is the first updated_at included (zero: from the beginning);
	// it is sent in whole seconds, rounded down.
	Since time.Time
	// Until is the first updated_at no longer included (zero: the server's
	// time, which the page reports as Timestamp).
	Until time.Time
	// GLB asks for ids above it (0: from the first).
	GLB int64
	// Limit is the page size (0: PageSize).
	Limit int
}

// CheckoutsPage is one page of the collection.
type CheckoutsPage struct {
	Checkouts []Checkout
	// Timestamp is the server's time, or the query's Until when it had
	// one: the end of the window this page belongs to.
	Timestamp time.Time
	// LastUpdatedAt is the latest updated_at of any checkout of the
	// account (zero when Ubiregi sent null). Later than Timestamp, it says
	// that checkouts changed after the window.
	LastUpdatedAt time.Time
	// Next is the query of the next page (Ubiregi's next-url), nil on the
	// last page. Its Until pins the window, so that checkouts changed
	// while the pages are read come in the next window, not in the
	// middle of this one.
	Next *CheckoutsQuery
}

// maxMoney bounds an amount: ten billion yen is no sale at a register.
const maxMoney = 10_000_000_000

// Checkouts is GET /api/3/accounts/{id}/checkouts: one page of the
// account's checkouts changed in the query's window. A page that is not
// what the API documents — not the envelope, a checkout with a field
// missing or of the wrong type, an absurd amount or time, more checkouts
// than asked, ids out of order — fails whole as Malformed, saying what
// was wrong: none of it is returned.
func (c *Client) Checkouts(ctx context.Context, accessToken string, q CheckoutsQuery) (CheckoutsPage, error) {
	const op = "read the checkouts"
	if q.AccountID <= 0 {
		return CheckoutsPage{}, fmt.Errorf("%s: account id %d", op, q.AccountID)
	}
	if q.Limit <= 0 {
		q.Limit = PageSize
	}
	path := checkoutsPath(q.AccountID)
	var env struct {
		Timestamp      *string            `json:"timestamp"`
		NextBatchSince *string            `json:"next_batch_since"`
		LastUpdatedAt  *string            `json:"last_updated_at"`
		NextURL        *string            `json:"next-url"`
		Checkouts      *[]json.RawMessage `json:"checkouts"`
	}
	if err := c.getJSON(ctx, op, path+"?"+q.values().Encode(), accessToken, &env); err != nil {
		return CheckoutsPage{}, err
	}
	bad := func(format string, args ...any) (CheckoutsPage, error) {
		return CheckoutsPage{}, malformed(op, fmt.Sprintf(format, args...))
	}
	now := c.now()
	if env.Timestamp == nil || env.Checkouts == nil {
		return bad("no timestamp or no checkouts: not the collection's envelope")
	}
	page := CheckoutsPage{}
	var err error
	if page.Timestamp, err = parseTime(*env.Timestamp, now); err != nil {
		return bad("timestamp: %v", err)
	}
	if env.NextBatchSince != nil {
		// Documented as what to pass as since next time: the timestamp.
		if nbs, err := parseTime(*env.NextBatchSince, now); err != nil || !nbs.Equal(page.Timestamp) {
			return bad("next_batch_since %q is not the timestamp %q", *env.NextBatchSince, *env.Timestamp)
		}
	}
	if env.LastUpdatedAt != nil {
		if page.LastUpdatedAt, err = parseTime(*env.LastUpdatedAt, now); err != nil {
			return bad("last_updated_at: %v", err)
		}
	}
	raws := *env.Checkouts
	if len(raws) > q.Limit {
		return bad("%d checkouts on a page of %d", len(raws), q.Limit)
	}
	page.Checkouts = make([]Checkout, 0, len(raws))
	last := q.GLB
	for i, raw := range raws {
		co, err := parseCheckout(raw, now)
		if err != nil {
			return bad("checkout %d of the page: %v", i+1, err)
		}
		if co.ID <= last {
			return bad("checkout id %d after id %d: the page is not sorted by id above glb %d", co.ID, last, q.GLB)
		}
		if !q.Until.IsZero() && !co.UpdatedAt.Before(q.Until) {
			return bad("checkout %d: updated_at %s is not before until %s", co.ID, stamp(co.UpdatedAt), stamp(q.Until))
		}
		if co.UpdatedAt.Before(q.Since.Truncate(time.Second)) {
			return bad("checkout %d: updated_at %s is before since %s", co.ID, stamp(co.UpdatedAt), stamp(q.Since))
		}
		last = co.ID
		page.Checkouts = append(page.Checkouts, co)
	}
	if env.NextURL != nil {
		if len(raws) == 0 {
			return bad("a next-url after an empty page")
		}
		next, err := c.nextQuery(*env.NextURL, path, q, last, page.Timestamp)
		if err != nil {
			return bad("next-url: %v", err)
		}
		page.Next = &next
	}
	return page, nil
}

// checkoutsPath is the collection's path for the account.
func checkoutsPath(accountID int64) string {
	return "/api/3/accounts/" + strconv.FormatInt(accountID, 10) + "/checkouts"
}

// values are the query's parameters.
func (q CheckoutsQuery) values() url.Values {
	v := url.Values{"limit": {strconv.Itoa(q.Limit)}}
	if !q.Since.IsZero() {
		v.Set("since", stamp(q.Since))
	}
	if !q.Until.IsZero() {
		v.Set("until", stamp(q.Until))
	}
	if q.GLB > 0 {
		v.Set("glb", strconv.FormatInt(q.GLB, 10))
	}
	return v
}

// nextQuery reads next-url into the next query. It must lead to the same
// collection on the same host (the access token goes with it) with a glb
// at the page's last id; its until, when it has one, must not lie beyond
// the page's timestamp. Without one, the window is pinned at the
// timestamp, as the docs' sync loop requires.
func (c *Client) nextQuery(raw, path string, q CheckoutsQuery, lastID int64, timestamp time.Time) (CheckoutsQuery, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return CheckoutsQuery{}, fmt.Errorf("not a URL")
	}
	base, err := url.Parse(c.base)
	if err != nil {
		return CheckoutsQuery{}, fmt.Errorf("client base URL: %w", err)
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || strings.TrimSuffix(u.Path, "/") != strings.TrimSuffix(base.Path, "/")+path {
		return CheckoutsQuery{}, fmt.Errorf("%s://%s%s is not this collection", u.Scheme, u.Host, u.Path)
	}
	uq := u.Query()
	glb, err := strconv.ParseInt(uq.Get("glb"), 10, 64)
	if err != nil || glb != lastID {
		return CheckoutsQuery{}, fmt.Errorf("glb %q is not the page's last id %d", uq.Get("glb"), lastID)
	}
	next := q
	next.GLB, next.Until = glb, timestamp
	if s := uq.Get("until"); s != "" {
		t, err := parseTime(s, c.now())
		if err != nil || t.After(timestamp) {
			return CheckoutsQuery{}, fmt.Errorf("until %q is not within the page's window", s)
		}
		next.Until = t
	}
	return next, nil
}

// stamp writes an instant as the API's parameters take it: UTC, whole
// seconds (rounded down), with Z.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// earliest is before any time the API could send: Ubiregi opened in 2011.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxAhead is how far past the client's clock a time may lie: a
// register's clock may be off, but not by a week.
const maxAhead = 7 * 24 * time.Hour

// parseTime reads an ISO 8601 instant of the API and refuses absurd ones
// (before 2000, more than a week past now: a year 9999).
func parseTime(s string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
	}
	if t.Before(earliest) || t.After(now.Add(maxAhead)) {
		return time.Time{}, fmt.Errorf("%q is not a plausible time", s)
	}
	return t, nil
}

// parseMoney reads an amount as the API writes it ("19720.0") into whole
// yen. A fraction must be zero: the accounts poslink links are in yen.
func parseMoney(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimPrefix(whole, "-")
	if digits == "" || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" ||
		strings.Trim(frac, "0") != "" || len(frac) > 6 {
		return 0, fmt.Errorf("%q is not an amount of yen", s)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n > maxMoney || n < -maxMoney {
		return 0, fmt.Errorf("%q is not a plausible amount", s)
	}
	return n, nil
}
