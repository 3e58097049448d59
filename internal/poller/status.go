package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
)

// State is what people see of a connection's polling.
type State string

// The states a connection's polling shows.
const (
	StateActive         State = "active"          // 有効
	StateReauthRequired State = "reauth_required" // 要再認証: Ubiregi refused the grant
	StateUpdateRequired State = "update_required" // 要更新: Smaregi's old access token past the cut-over (or refused)
	StateError          State = "error"           // エラー: stopped until the owner acts (e.g. Smaregi refused the secret), or failing
)

// Key is the i18n key of the state's label.
func (s State) Key() string { return "poll.state." + string(s) }

// failingAfter is how many failed polls in a row show a connection that is
// still retrying as エラー: one outage or 429 is not worth alarming anyone.
const failingAfter = 3

// ConnStatus is what the link pages show of a connection's polling.
type ConnStatus struct {
	State State
	// Polled: the poller visits the connection (it works and a terminal is
	// bound).
	Polled bool
	// Stopped: the provider refused the connection's credentials (or has
	// no such account), so polling waits for its owner; new credentials
	// (or a new binding) resume it. The link itself is not marked: only
	// Ubiregi's refused grant makes it 要再認証.
	Stopped bool
	// LastOK is the end of the last successful poll, LastAttempt of the
	// last poll; zero when none.
	LastOK, LastAttempt time.Time
	// LastError is the last failure as its owner is told it (an
	// *apperr.Error for the page or form), nil when none has happened;
	// LastErrorText is the same in the provider's words, for support.
	LastError     error
	LastErrorText string
	LastErrorAt   time.Time
	// Failures counts the failed polls since the last success.
	Failures int
	// NextPoll is when the poller visits next; zero when it does not
	// (stopped until the owner acts, or not polled).
	NextPoll time.Time
	// Today counts the connection's transactions sold today (in the
	// portal's time zone), whatever their kind.
	Today int
}

// StatusReader reads the polling status of a tenant's connections. It
// only reads.
type StatusReader struct {
	pool *pgxpool.Pool
	loc  *time.Location
	now  func() time.Time
}

// NewStatusReader reads on pool; "today" is the day of now in loc.
func NewStatusReader(pool *pgxpool.Pool, loc *time.Location, now func() time.Time) *StatusReader {
	return &StatusReader{pool: pool, loc: loc, now: now}
}

// Status is the polling status of each linked connection of the tenant,
// by connection ID.
func (r *StatusReader) Status(ctx context.Context, tenantID int64) (map[int64]ConnStatus, error) {
	y, m, d := r.now().In(r.loc).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, r.loc)
	rows, err := r.pool.Query(ctx, `
		SELECT c.id, c.status, coalesce(s.pollable, false), nullif(s.due_at, 'infinity'), s.stopped_at IS NOT NULL, coalesce(s.failures, 0),
		       s.last_ok_at, s.last_attempt_at, s.last_error, s.last_error_at,
		       (SELECT count(*) FROM pos_transactions t
		        WHERE t.tenant_id = $1 AND t.connection_id = c.id AND t.sold_at >= $2 AND t.sold_at < $3)
		FROM pos_connections c LEFT JOIN poll_states s ON s.connection_id = c.id
		WHERE c.tenant_id = $1 AND c.status <> 'unlinked'`, tenantID, dayStart, dayStart.AddDate(0, 0, 1))
	if err != nil {
		return nil, fmt.Errorf("read polling status: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (statusRow, error) {
		var row statusRow
		err := r.Scan(&row.id, &row.linkStatus, &row.pollable, &row.due, &row.stopped, &row.failures,
			&row.lastOK, &row.lastTry, &row.lastError, &row.erAt, &row.today)
		return row, err
	})
	if err != nil {
		return nil, fmt.Errorf("read polling status: %w", err)
	}
	out := make(map[int64]ConnStatus, len(list))
	for _, row := range list {
		out[row.id] = row.connStatus()
	}
	return out, nil
}

// statusRow is one row of Status's query.
type statusRow struct {
	id                         int64
	linkStatus                 link.Status
	pollable, stopped          bool
	failures                   int
	due, lastOK, lastTry, erAt *time.Time
	lastError                  []byte
	today                      int
}

func (row statusRow) connStatus() ConnStatus {
	s := ConnStatus{Failures: row.failures, Today: row.today, Polled: row.pollable && !row.stopped, Stopped: row.stopped}
	s.LastOK, s.LastAttempt, s.LastErrorAt = deref(row.lastOK), deref(row.lastTry), deref(row.erAt)
	if s.Polled && row.due != nil {
		s.NextPoll = *row.due
	}
	if row.lastError != nil {
		var se storedError
		if json.Unmarshal(row.lastError, &se) == nil {
			s.LastErrorText = se.Text
			if pe := se.providerError(); pe != nil {
				s.LastError = link.ProviderError(pe, link.StoredCreds)
			} else {
				s.LastError = apperr.New(apperr.Unavailable, "poll.err.internal")
			}
		}
	}
	switch {
	case row.linkStatus == link.ReauthRequired:
		s.State = StateReauthRequired
	case row.linkStatus == link.UpdateRequired:
		s.State = StateUpdateRequired
	case row.stopped || row.failures >= failingAfter:
		s.State = StateError
	default:
		s.State = StateActive
	}
	return s
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
