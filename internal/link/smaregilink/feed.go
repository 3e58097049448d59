package smaregilink

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// The poll of a contract's transactions reads them by upd_date_time (when
// the server created or last changed each), oldest first, in ranges of at
// most 31 days, sorted by (updDateTime, transactionHeadId). It goes on from
// the last record read — a keyset, not page numbers: a record changed
// while the pages are read moves to a later updDateTime, and with page
// numbers the records behind it would slide onto a page already read and
// be skipped. After a full page the rest of its last second is read by id
// (transaction_head_id-from), so a second holding more than a page of
// records (the nightly 精算 stamps a whole day with one time) is read
// whole, then the range goes on from the next second.
//
// The cursor is that position, {from, after_id}: a crash between two
// pages repeats at most one. Caught up, the next poll starts feedOverlap
// before the end of the range read: the records of the last minutes come
// twice (the poller stores by ID, so that is harmless), and one Smaregi
// stamped before then but committed after — or a clock of ours ahead of
// Smaregi's — is not lost. A link whose cursor lies further back walks
// forward a range at a time, each page saying More.
const feedOverlap = 2 * time.Minute

// maxPresentPages bounds one Present (ten million records).
const maxPresentPages = 10_000

// smaregiCursor is where a feed continues.
type smaregiCursor struct {
	// From is the updDateTime to read from, included.
	From time.Time `json:"from"`
	// AfterID, when set, says the records of the second From up to this
	// transactionHeadId were read: the rest of that second comes next.
	AfterID int64 `json:"after_id,omitempty"`
}

func parseCursor(s string, since time.Time) (smaregiCursor, error) {
	if s == "" {
		if since.IsZero() {
			// Smaregi is read in ranges of 31 days: a start is required.
			return smaregiCursor{}, fmt.Errorf("smaregi feed: no cursor and no start")
		}
		return smaregiCursor{From: since.Truncate(time.Second)}, nil
	}
	var c smaregiCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.From.IsZero() || c.AfterID < 0 {
		return smaregiCursor{}, fmt.Errorf("smaregi feed: %q is not a cursor of this feed", s)
	}
	return c, nil
}

func (c smaregiCursor) String() string {
	b, _ := json.Marshal(c) // a time and an int: never fails
	return string(b)
}

// feed reads one connection's transactions.
type feed struct {
	s        *Service
	tenantID int64
	connID   int64
	// limit is the page size: smaregi.PageLimit.
	limit int
}

// Feed returns the feed of a tenant's Smaregi connection, for the poller.
// Every call reads the link: on client credentials it asks the Platform API
// with the cached app token (a new one shortly before it expires, or once
// when Smaregi refuses it); on the old access token it asks the legacy API
// until the cut-over, and from then on fails as pos.CredentialsRefused
// (smaregi.ReasonLegacyRetired), marking the link 要更新, which is not
// polled. Client credentials that Smaregi refuses fail CredentialsRefused
// and leave the link as it is: the poller stops polling it and shows
// エラー with the reason until 連携情報修正 saves new ones.
func (s *Service) Feed(ctx context.Context, tenantID, connID int64) (pos.Feed, error) {
	if _, err := s.connection(ctx, tenantID, connID); err != nil {
		return nil, err
	}
	return &feed{s: s, tenantID: tenantID, connID: connID, limit: smaregi.PageLimit}, nil
}

// Changes reads the next page of the contract's changes.
func (f *feed) Changes(ctx context.Context, cursor string, since time.Time) (pos.Page, error) {
	cur, err := parseCursor(cursor, since)
	if err != nil {
		return pos.Page{}, err
	}
	now := f.s.cfg.Now().Truncate(time.Second)
	q := smaregi.TransactionsQuery{By: smaregi.ByUpdate, From: cur.From, Limit: f.limit}
	if cur.AfterID > 0 {
		q.To, q.AfterID = cur.From, cur.AfterID
	} else {
		q.To = minTime(cur.From.Add(smaregi.MaxRange), now)
		if q.To.Before(cur.From) {
			// Our clock is behind the cursor: nothing to ask yet.
			return pos.Page{Cursor: cur.String()}, nil
		}
	}
	recs, err := f.fetch(ctx, q)
	if err != nil {
		return pos.Page{}, err
	}
	out := pos.Page{}
	for _, r := range recs {
		if r.Sale {
			out.Transactions = append(out.Transactions, r.Transaction)
		}
	}
	var next smaregiCursor
	switch full := len(recs) == f.limit; {
	case full:
		// The rest of the last record's second, by id, comes next.
		last := recs[len(recs)-1]
		next, out.More = smaregiCursor{From: last.UpdatedAt, AfterID: last.ID}, true
	case cur.AfterID > 0:
		// That second is read: the range goes on after it.
		next = smaregiCursor{From: cur.From.Add(time.Second)}
		out.More = !next.From.After(now)
	case q.To.Before(now):
		// A range of 31 days in the past is read: the next one.
		next, out.More = smaregiCursor{From: q.To.Add(time.Second)}, true
	default:
		// Caught up: start the next poll a little before the end.
		next = smaregiCursor{From: maxTime(cur.From, q.To.Add(-feedOverlap))}
	}
	out.Cursor = next.String()
	return out, nil
}

// Present lists the IDs of the transactions rung up in [from, to) that
// Smaregi still has, by terminal_tran_date_time, in ranges of at most 31
// days and by keyset as Changes reads. A transaction the shop deleted
// (取引削除) is the one that is not there.
func (f *feed) Present(ctx context.Context, from, to time.Time) (map[string]bool, error) {
	ids := map[string]bool{}
	last := to.Add(-time.Nanosecond).Truncate(time.Second) // the range's last second, included
	pages := 0
	for start := from.Truncate(time.Second); !start.After(last); {
		end := minTime(start.Add(smaregi.MaxRange), last)
		q := smaregi.TransactionsQuery{By: smaregi.BySale, From: start, To: end, Limit: f.limit, IDsOnly: true}
		for {
			if pages++; pages > maxPresentPages {
				return nil, &pos.Error{Provider: smaregi.Provider, Op: "transactions", Class: pos.Malformed,
					Detail: fmt.Sprintf("more than %d pages", maxPresentPages)}
			}
			recs, err := f.fetch(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				ids[strconv.FormatInt(r.ID, 10)] = true
			}
			if len(recs) == f.limit {
				r := recs[len(recs)-1]
				q.From, q.To, q.AfterID = r.SoldAt, r.SoldAt, r.ID
				continue
			}
			if q.AfterID == 0 || !q.From.Before(end) {
				break
			}
			q.From, q.To, q.AfterID = q.From.Add(time.Second), end, 0
		}
		start = end.Add(time.Second)
	}
	return ids, nil
}

// fetch reads one page through the API the link is on now.
func (f *feed) fetch(ctx context.Context, q smaregi.TransactionsQuery) ([]smaregi.Record, error) {
	c, err := f.s.connection(ctx, f.tenantID, f.connID)
	if err != nil {
		return nil, err
	}
	if f.s.PhaseOf(c) == PhaseUpdateRequired {
		reason := smaregi.ReasonCredentials
		switch {
		case c.AuthKind == link.LegacyToken && f.s.pastCutover():
			reason = smaregi.ReasonLegacyRetired
		case c.AuthKind == link.LegacyToken:
			reason = smaregi.ReasonLegacyToken
		}
		err := &pos.Error{Provider: smaregi.Provider, Op: "transactions", Account: c.ExternalID,
			Class: pos.CredentialsRefused, Reason: reason, Detail: "the link is 要更新"}
		if c.Status == link.Active {
			// Past the cut-over before the maintenance job marked it.
			return nil, f.refused(ctx, c, err)
		}
		return nil, err
	}
	var cr credentials
	if _, err := f.s.links.Credentials(ctx, c.TenantID, c.ID, &cr); err != nil {
		return nil, err
	}
	var recs []smaregi.Record
	if c.AuthKind == link.LegacyToken {
		recs, err = f.s.api.LegacyTransactions(ctx, c.ExternalID, cr.AccessToken, q)
	} else {
		err = f.s.withToken(ctx, c, cr, func(token string) error {
			var err error
			recs, err = f.s.api.Transactions(ctx, c.ExternalID, token, q)
			return err
		})
	}
	if err != nil {
		return nil, f.refused(ctx, c, err)
	}
	return recs, nil
}

// refused forgets the app token of credentials Smaregi refused, and marks
// a link on the old access token 要更新 when the old API no longer serves
// or refused the token (the clock may pass the cut-over before the
// maintenance job marks it). A link on client credentials is not marked:
// the poller records the refusal and stops polling it (エラー) until
// 連携情報修正. It returns err.
func (f *feed) refused(ctx context.Context, c link.Connection, err error) error {
	if pos.ClassOf(err) != pos.CredentialsRefused {
		return err
	}
	f.s.forgetToken(c.ID)
	if detail, ok := updateRequired(c, err); ok {
		if serr := f.s.links.SetStatus(ctx, systemActor, c.TenantID, c.ID, link.UpdateRequired, detail); serr != nil {
			return serr
		}
	}
	return err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
