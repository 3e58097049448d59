package ubiregilink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// The sync loop (pos-apis §1.3, the docs' "Fetching Whole Collection"):
// ask for the checkouts updated since a time; follow next-url while there
// is one, each page pinned to the first page's until, so that a checkout
// changed while the pages are read (a cancel, an edit) leaves the window
// and comes in the next one instead of shifting the pages; when the last
// page is read, start again from its timestamp. A last_updated_at later
// than the timestamp says something changed after the window: fetch again
// at once.
//
// The cursor is the next request itself, {since, until, glb}, so a crash
// between two pages repeats at most one page. Starting again, since is the
// timestamp less feedOverlap, not the timestamp: the few checkouts of the
// last minutes come twice (the poller stores by ID, so that is harmless),
// and a checkout Ubiregi stamped before the timestamp but committed after
// it — or a clock of ours ahead of Ubiregi's — loses nothing.
const feedOverlap = 2 * time.Minute

// presentLookBack is how much earlier than a range Present starts reading
// checkouts by updated_at: a register's clock (paid_at) may be ahead of
// the server's (updated_at), and a checkout missed there would count as
// deleted.
const presentLookBack = 24 * time.Hour

// maxPresentPages bounds one Present walk (a million checkouts).
const maxPresentPages = 10_000

// ubiregiCursor is where a feed continues: the next request.
type ubiregiCursor struct {
	// Since is zero for the whole history (a feed started without one).
	Since time.Time `json:"since"`
	// Until and GLB are set while the pages of one window are read.
	Until time.Time `json:"until,omitzero"`
	GLB   int64     `json:"glb,omitempty"`
}

func parseCursor(s string, since time.Time) (ubiregiCursor, error) {
	if s == "" {
		return ubiregiCursor{Since: since}, nil
	}
	var c ubiregiCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.GLB < 0 || (c.GLB > 0) != !c.Until.IsZero() {
		return ubiregiCursor{}, fmt.Errorf("ubiregi feed: %q is not a cursor of this feed", s)
	}
	return c, nil
}

func (c ubiregiCursor) String() string {
	b, _ := json.Marshal(c) // times and an int: never fails
	return string(b)
}

// feed reads one connection's checkouts.
type feed struct {
	s         *Service
	tenantID  int64
	connID    int64
	accountID int64
}

// Feed returns the feed of a tenant's Ubiregi connection, for the poller.
// It keeps nothing but the connection's identity: every call reads the
// stored grant (refreshing it when due, under the same lease as the
// pages) and the names of the account are shared by the feeds of a
// Service. A grant Ubiregi refuses marks the link 要再認証 and fails as
// pos.CredentialsRefused (reason ubiregi.ReasonInvalidGrant).
func (s *Service) Feed(ctx context.Context, tenantID, connID int64) (pos.Feed, error) {
	c, err := s.Connection(ctx, tenantID, connID)
	if err != nil {
		return nil, err
	}
	acct, err := strconv.ParseInt(c.ExternalID, 10, 64)
	if err != nil || acct <= 0 {
		return nil, fmt.Errorf("ubiregi connection %d: account id %q", connID, c.ExternalID)
	}
	return &feed{s: s, tenantID: tenantID, connID: connID, accountID: acct}, nil
}

// Changes reads the next page of the sync loop.
func (f *feed) Changes(ctx context.Context, cursor string, since time.Time) (pos.Page, error) {
	cur, err := parseCursor(cursor, since)
	if err != nil {
		return pos.Page{}, err
	}
	q := ubiregi.CheckoutsQuery{AccountID: f.accountID, Since: cur.Since, Until: cur.Until, GLB: cur.GLB}
	var page ubiregi.CheckoutsPage
	err = f.withToken(ctx, func(ctx context.Context, token string) error {
		page, err = f.s.api.Checkouts(ctx, token, q)
		return err
	})
	if err != nil {
		return pos.Page{}, err
	}
	txs, err := f.transactions(ctx, page.Checkouts)
	if err != nil {
		return pos.Page{}, err
	}
	out := pos.Page{Transactions: txs}
	if page.Next != nil {
		out.Cursor = ubiregiCursor{Since: cur.Since, Until: page.Next.Until, GLB: page.Next.GLB}.String()
		out.More = true
		return out, nil
	}
	next := page.Timestamp.Add(-feedOverlap)
	if next.Before(cur.Since) {
		// A window shorter than the overlap: do not step back before it.
		next = cur.Since
	}
	out.Cursor = ubiregiCursor{Since: next}.String()
	out.More = page.LastUpdatedAt.After(page.Timestamp)
	return out, nil
}

// transactions turns a page's checkouts into transactions, with the names
// of the account; an id the names do not know reads the account again
// (once, and not more than once a minute).
func (f *feed) transactions(ctx context.Context, cos []ubiregi.Checkout) ([]pos.Transaction, error) {
	if len(cos) == 0 {
		return nil, nil
	}
	dir, err := f.directory(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, co := range cos {
		if !dir.Knows(co) {
			if dir, err = f.directory(ctx, true); err != nil {
				return nil, err
			}
			break
		}
	}
	out := make([]pos.Transaction, 0, len(cos))
	for _, co := range cos {
		if t, ok := dir.Transaction(co); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// Present lists the ids of the account's checkouts, reading every
// checkout updated since presentLookBack before from: a superset of those
// sold in [from, to), which is all the poller needs (Ubiregi cannot be
// asked by payment time). Deleted checkouts are there too, with status
// delete: only a checkout gone from the API is absent.
func (f *feed) Present(ctx context.Context, from, to time.Time) (map[string]bool, error) {
	if !from.Before(to) {
		return map[string]bool{}, nil
	}
	ids := map[string]bool{}
	q := ubiregi.CheckoutsQuery{AccountID: f.accountID, Since: from.Add(-presentLookBack)}
	for range maxPresentPages {
		var page ubiregi.CheckoutsPage
		err := f.withToken(ctx, func(ctx context.Context, token string) error {
			var err error
			page, err = f.s.api.Checkouts(ctx, token, q)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, co := range page.Checkouts {
			ids[strconv.FormatInt(co.ID, 10)] = true
		}
		if page.Next == nil {
			return ids, nil
		}
		q = *page.Next
	}
	return nil, &pos.Error{Provider: ubiregi.Provider, Op: "list the checkouts", Class: pos.Malformed,
		Detail: fmt.Sprintf("more than %d pages", maxPresentPages)}
}

// withToken calls call with a working access token of the connection, as
// the pages' withToken does, but fails with the provider's *pos.Error
// (the poller's currency) instead of the owner's message. A grant Ubiregi
// no longer honours marks the connection 要再認証 on the way.
func (f *feed) withToken(ctx context.Context, call func(ctx context.Context, token string) error) error {
	c, err := f.s.Connection(ctx, f.tenantID, f.connID)
	if err != nil {
		return err
	}
	if c.Status == link.ReauthRequired {
		return reauthError("the link is 要再認証")
	}
	var cr credentials
	if _, err = f.s.links.Credentials(ctx, f.tenantID, f.connID, &cr); err != nil {
		return err
	}
	token := cr.AccessToken
	if f.s.due(cr.Expiry) {
		if token, err = f.s.refresh(ctx, f.tenantID, f.connID, "", true); err != nil {
			return feedError(err)
		}
	}
	err = call(ctx, token)
	if pos.ClassOf(err) != pos.TokenRefused {
		return err
	}
	if token, err = f.s.refresh(ctx, f.tenantID, f.connID, token, true); err != nil {
		return feedError(err)
	}
	if err = call(ctx, token); pos.ClassOf(err) == pos.TokenRefused {
		// Refused right after a refresh: only a new consent can help.
		if err := f.s.links.SetStatus(ctx, systemActor, f.tenantID, f.connID, link.ReauthRequired, "new access token refused"); err != nil {
			return err
		}
		return reauthError("a new access token refused")
	}
	return err
}

// feedError is a failed refresh as the poller reads it: the provider's
// *pos.Error within, or CredentialsRefused for a grant that needs a new
// consent; the database's failures as they are.
func feedError(err error) error {
	if errors.Is(err, ErrReauthRequired) {
		return reauthError("refresh refused")
	}
	if e, ok := pos.AsError(err); ok {
		return e
	}
	return err
}

// reauthError is a grant Ubiregi no longer honours (要再認証).
func reauthError(detail string) *pos.Error {
	return &pos.Error{Provider: ubiregi.Provider, Op: "refresh the access token", Class: pos.CredentialsRefused,
		Reason: ubiregi.ReasonInvalidGrant, Detail: detail}
}
