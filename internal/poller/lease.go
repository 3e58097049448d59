package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/link"
)

// lease is a connection this instance claimed, with what the claim read.
type lease struct {
	connID, tenantID int64
	provider         link.Provider
	fence            int64
	cursor           string
	failures         int
	// polledBefore: a poll of the connection succeeded before, so new rows
	// are fresh sales rather than the backfill of a new link.
	polledBefore bool
	reconcileDue bool
	// deadline is when calls to the provider must have ended: a margin
	// before the lease can expire on the database's clock, measured from
	// before the claim (or the last write) was sent, so that no clock skew
	// between this machine and the database can let two instances call the
	// provider for one connection at once.
	deadline time.Time
}

// errLostLease: another instance claimed the connection after this
// instance's lease expired; this instance must not write.
var errLostLease = errors.New("lease lost: another instance polls the connection now")

// callDeadline is when calls must end for a lease taken or extended by a
// statement sent at sent.
func (s *store) callDeadline(sent time.Time) time.Time { return sent.Add(s.leaseFor * 9 / 10) }

// claimSQL leases up to $2 due connections of the providers $3 to owner
// $1 for $4 ms, oldest due first. Expired leases are claimable: their
// holder died or stalled. Every claim raises the fence.
const claimSQL = `
WITH due AS (
	SELECT s.connection_id FROM poll_states s
	WHERE s.pollable AND s.due_at <= now() AND (s.lease_until IS NULL OR s.lease_until <= now())
	  AND s.provider = ANY($3::text[])
	ORDER BY s.due_at
	LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE poll_states s
SET lease_owner = $1, lease_until = now() + $4 * interval '1 millisecond', lease_fence = s.lease_fence + 1,
    kicked = false
FROM due
WHERE s.connection_id = due.connection_id
RETURNING s.connection_id, s.tenant_id, s.provider, s.lease_fence, s.cursor, s.failures, s.last_ok_at IS NOT NULL,
          coalesce(now() - s.reconciled_at >= $5 * interval '1 millisecond', false)`

// claim leases up to n due connections.
func (s *store) claim(ctx context.Context, n int, providers []string, reconcileEvery time.Duration) ([]*lease, error) {
	sent := time.Now()
	rows, err := s.pool.Query(ctx, claimSQL, s.owner, n, providers, s.leaseFor.Milliseconds(), reconcileEvery.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim due connections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*lease, error) {
		l := &lease{deadline: s.callDeadline(sent)}
		err := r.Scan(&l.connID, &l.tenantID, &l.provider, &l.fence, &l.cursor, &l.failures, &l.polledBefore, &l.reconcileDue)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due connections: %w", err)
	}
	return out, nil
}

// fenced is the condition of every write under a lease.
const fenced = `connection_id = $1 AND lease_owner = $2 AND lease_fence = $3`

// release gives a lease back without judging the poll (shutdown): the
// connection stays due, for another instance to take at once.
func (s *store) release(ctx context.Context, l *lease) error {
	_, err := s.pool.Exec(ctx, `UPDATE poll_states SET lease_owner = NULL, lease_until = NULL WHERE `+fenced,
		l.connID, s.owner, l.fence)
	if err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return nil
}

// failSQL ends a failed poll: the lease is released, the failure counted
// and the connection due after $5 ms — or never ($4, stop) until new
// credentials or a binding make it due again. A change made while the poll
// ran (kicked) makes it due at once instead.
const failSQL = `
UPDATE poll_states
SET lease_owner = NULL, lease_until = NULL, failures = failures + 1,
    due_at = CASE WHEN kicked THEN now() WHEN $4 THEN 'infinity' ELSE now() + $5 * interval '1 millisecond' END,
    stopped_at = CASE WHEN $4 AND NOT kicked THEN now() END,
    last_attempt_at = now(), last_error = $6, last_error_at = now()
WHERE ` + fenced

// fail records a failed poll and when to try again.
func (s *store) fail(ctx context.Context, l *lease, v verdict, lastError []byte) error {
	tag, err := s.pool.Exec(ctx, failSQL, l.connID, s.owner, l.fence, v.stop, v.delay.Milliseconds(), lastError)
	if err != nil {
		return fmt.Errorf("record failed poll: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errLostLease
	}
	return nil
}
