package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/textcheck"
)

// FieldReason is the form field of the reason support staff give for a
// re-queue; MaxReasonLen bounds it.
const (
	FieldReason  = "reason"
	MaxReasonLen = 1000
)

// Requeued is what a re-queue did.
type Requeued struct {
	Provider link.Provider
	Account  string
	// Already: the connection was waiting for a poller already (due, not
	// stopped, no poll in progress), so nothing changed and nothing was
	// recorded.
	Already bool
}

// Requeue makes the tenant's connection due at once, for support staff
// after an error: the poller visits it within moments, even when it
// stopped after refused credentials or is backing off after failures (its
// count of failures stays, so that the page shows エラー until a poll
// succeeds). A poll in progress ends due at once. actor.Reason is
// required; it is recorded with the change in one transaction
// (link.poll_requeued). A link that needs its owner (要再認証, 要更新), a
// deleted one and one without a bound terminal are refused with the reason
// (Conflict); another tenant's connection is not found.
//
// Two re-queues at once (a double click) take turns on the poll state's
// row: the second finds the connection waiting and records nothing, unless
// a poller claimed it in between, when it asks for one more poll.
func Requeue(ctx context.Context, pool *pgxpool.Pool, actor audit.Actor, tenantID, connID int64) (Requeued, error) {
	actor.Reason = strings.TrimSpace(actor.Reason)
	switch p := textcheck.Line(actor.Reason, MaxReasonLen); {
	case p != textcheck.OK:
		return Requeued{}, reasonError(p.Key())
	case actor.Reason == "":
		return Requeued{}, reasonError("err.required")
	}
	var res Requeued
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// The connection first, then its poll state: the order in which
		// binding changes and the poller's writes lock them.
		var status link.Status
		err := tx.QueryRow(ctx, `SELECT status, provider, external_id FROM pos_connections
			WHERE tenant_id = $1 AND id = $2 FOR SHARE`, tenantID, connID).Scan(&status, &res.Provider, &res.Account)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "err.not_found")
		}
		if err != nil {
			return fmt.Errorf("requeue: read connection: %w", err)
		}
		if status != link.Active {
			return apperr.New(apperr.Conflict, "requeue.err."+string(status), res.Account)
		}
		var pollable, waiting bool
		err = tx.QueryRow(ctx, `SELECT pollable,
			       stopped_at IS NULL AND due_at <= clock_timestamp()
			       AND (lease_until IS NULL OR lease_until <= clock_timestamp() OR kicked)
			FROM poll_states WHERE connection_id = $1 AND tenant_id = $2 FOR UPDATE`, connID, tenantID).Scan(&pollable, &waiting)
		if err != nil {
			return fmt.Errorf("requeue: read poll state: %w", err)
		}
		switch {
		case !pollable:
			return apperr.New(apperr.Conflict, "requeue.err.unbound", res.Account)
		case waiting:
			res.Already = true
			return nil
		}
		// kicked: a poll in progress ends due at once rather than stopped
		// or backing off.
		if _, err := tx.Exec(ctx, `UPDATE poll_states SET due_at = least(due_at, now()), stopped_at = NULL, kicked = true
			WHERE connection_id = $1`, connID); err != nil {
			return fmt.Errorf("requeue: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.poll_requeued", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", connID), Details: map[string]any{"connection_id": connID}})
	})
	if err != nil {
		return Requeued{}, err
	}
	return res, nil
}

func reasonError(key string) error {
	return apperr.Field(FieldReason, key)
}
