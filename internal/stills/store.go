package stills

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store holds the fetcher's SQL. Every write under a lease is fenced.
type store struct {
	pool     *pgxpool.Pool
	owner    string
	leaseFor time.Duration
}

// lease is a still this instance claimed.
type lease struct {
	txnID    int64
	fence    int64
	deviceID string
	at       time.Time
	attempts int
	keep     bool
	// deadline is when the camera call must have ended: a margin before
	// the lease expires, measured from before the claim was sent.
	deadline time.Time
}

// errLostLease: another instance claimed the still after this instance's
// lease expired, or the transaction moved to another camera or second.
var errLostLease = errors.New("lease lost: the still was claimed again or changed")

// claimSQL leases up to $2 due stills to owner $1 for $4 ms: evidence
// first, then payments sold within the window ($3 ms); newest first, as
// the dashboard shows them. Expired leases are claimable.
const claimSQL = `
WITH due AS (
	SELECT s.transaction_id FROM transaction_stills s
	WHERE s.state IN ('pending', 'unreachable') AND s.due_at <= now()
	  AND (s.lease_until IS NULL OR s.lease_until <= now())
	  AND (s.keep OR s.at >= now() - $3 * interval '1 millisecond')
	ORDER BY s.keep DESC, s.due_at DESC
	LIMIT $2
	FOR UPDATE OF s SKIP LOCKED
)
UPDATE transaction_stills s
SET lease_owner = $1, lease_until = now() + $4 * interval '1 millisecond', lease_fence = s.lease_fence + 1
FROM due, cameras c
WHERE s.transaction_id = due.transaction_id AND c.id = s.camera_id AND c.tenant_id = s.tenant_id
RETURNING s.transaction_id, s.lease_fence, c.device_id, s.at, s.attempts, s.keep`

func (s *store) claim(ctx context.Context, n int, window time.Duration) ([]*lease, error) {
	sent := time.Now()
	rows, err := s.pool.Query(ctx, claimSQL, s.owner, n, window.Milliseconds(), s.leaseFor.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim due stills: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*lease, error) {
		l := &lease{deadline: sent.Add(s.leaseFor * 9 / 10)}
		err := r.Scan(&l.txnID, &l.fence, &l.deviceID, &l.at, &l.attempts, &l.keep)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due stills: %w", err)
	}
	return out, nil
}

// fenced is the condition of every write under a lease; it also ends the
// lease.
const fenced = ` lease_owner = NULL, lease_until = NULL
WHERE transaction_id = $1 AND lease_owner = $2 AND lease_fence = $3`

// exec runs a fenced write; no row means the lease was lost.
func (s *store) exec(ctx context.Context, what, sql string, l *lease, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, append([]any{l.txnID, s.owner, l.fence}, args...)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return errLostLease
	}
	return nil
}

func (s *store) ready(ctx context.Context, l *lease, image []byte) error {
	return s.exec(ctx, "store still", `UPDATE transaction_stills
		SET state = 'ready', image = $4::bytea, bytes = octet_length($4::bytea), fetched_at = now(), attempts = 0,
		    last_error = NULL, due_at = 'infinity',`+fenced, l, image)
}

func (s *store) noRecording(ctx context.Context, l *lease, reason string) error {
	return s.exec(ctx, "record no recording", `UPDATE transaction_stills
		SET state = 'no_recording', fetched_at = now(), attempts = 0, last_error = $4, due_at = 'infinity',`+fenced,
		l, reason)
}

// later leaves the still as it is, due after delay (the recording is not
// there yet): not a failure.
func (s *store) later(ctx context.Context, l *lease, delay time.Duration) error {
	return s.exec(ctx, "reschedule still", `UPDATE transaction_stills
		SET due_at = now() + $4 * interval '1 millisecond',`+fenced, l, delay.Milliseconds())
}

// fail counts a failed fetch: due again after delay, unreachable when
// unreachable says so.
func (s *store) fail(ctx context.Context, l *lease, unreachable bool, delay time.Duration, reason string) error {
	return s.exec(ctx, "record failed fetch", `UPDATE transaction_stills
		SET attempts = attempts + 1, state = CASE WHEN $4 THEN 'unreachable' ELSE state END,
		    due_at = now() + $5 * interval '1 millisecond', last_error = $6,`+fenced,
		l, unreachable, delay.Milliseconds(), reason)
}

// release gives a lease back without an outcome (shutdown).
func (s *store) release(ctx context.Context, l *lease) error {
	err := s.exec(ctx, "release still", `UPDATE transaction_stills SET`+fenced, l)
	if errors.Is(err, errLostLease) {
		return nil
	}
	return err
}

func (s *store) saveSettings(ctx context.Context, window time.Duration) error {
	_, err := s.pool.Exec(ctx, `UPDATE still_settings SET payment_window = $1 * interval '1 millisecond'
		WHERE payment_window <> $1 * interval '1 millisecond'`, window.Milliseconds())
	if err != nil {
		return fmt.Errorf("stills: save settings: %w", err)
	}
	return nil
}

// trimSQL drops the images of the payments sold longest ago beyond the
// budget ($1 bytes), and gives up the payments still unfetched past the
// window ($2 ms). Evidence is never touched.
const trimSQL = `
WITH c AS (
	SELECT transaction_id, sum(bytes) OVER (ORDER BY at DESC, transaction_id DESC) AS upto
	FROM transaction_stills WHERE state = 'ready' AND NOT keep
), dropped AS (
	UPDATE transaction_stills s SET state = 'evicted', image = NULL, bytes = 0, due_at = 'infinity'
	FROM c
	WHERE s.transaction_id = c.transaction_id AND c.upto > $1 AND s.state = 'ready' AND NOT s.keep
	RETURNING 1
), expired AS (
	UPDATE transaction_stills s SET state = 'evicted', due_at = 'infinity'
	WHERE s.state IN ('pending', 'unreachable') AND NOT s.keep AND s.at < now() - $2 * interval '1 millisecond'
	  AND (s.lease_until IS NULL OR s.lease_until <= now())
	RETURNING 1
)
SELECT (SELECT count(*) FROM dropped) + (SELECT count(*) FROM expired)`

// trim keeps the cache within budget and says how many stills it gave up
// and how many bytes the cache holds now.
func (s *store) trim(ctx context.Context, budget int64, window time.Duration) (evicted, size int64, err error) {
	if err := s.pool.QueryRow(ctx, trimSQL, budget, window.Milliseconds()).Scan(&evicted); err != nil {
		return 0, 0, fmt.Errorf("trim stills cache: %w", err)
	}
	err = s.pool.QueryRow(ctx, `SELECT coalesce(sum(bytes), 0) FROM transaction_stills WHERE state = 'ready' AND NOT keep`).
		Scan(&size)
	if err != nil {
		return 0, 0, fmt.Errorf("measure stills cache: %w", err)
	}
	return evicted, size, nil
}

// backlog counts the due and unclaimed stills, evidence and payments.
func (s *store) backlog(ctx context.Context, window time.Duration) (evidence, payments int64, err error) {
	err = s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE keep), count(*) FILTER (WHERE NOT keep) FROM transaction_stills
		WHERE state IN ('pending', 'unreachable') AND due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
		  AND (keep OR at >= now() - $1 * interval '1 millisecond')`, window.Milliseconds()).Scan(&evidence, &payments)
	if err != nil {
		return 0, 0, fmt.Errorf("measure stills backlog: %w", err)
	}
	return evidence, payments, nil
}
