// Package audit writes and reads the append-only audit log. Entries are
// written in the same transaction as the change they describe, so the log
// never claims a change that was rolled back nor misses one that was kept.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/poslink/poslink/internal/db"
)

// Actor is who made a change.
type Actor struct {
	// UserID is the acting user, 0 for the command line or the system.
	UserID int64
	// Label names the actor for people: an e-mail or "cli:<os user>".
	Label string
}

// Entry is one line of the audit log. Details must never hold a secret.
type Entry struct {
	ID       int64
	At       time.Time
	Actor    Actor
	Action   string
	TenantID int64
	Target   string
	Details  map[string]any
}

// Record appends e to the log within q, normally the change's transaction.
func Record(ctx context.Context, q db.Querier, e Entry) error {
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	if e.Details == nil {
		details = []byte("{}")
	}
	_, err = q.Exec(ctx, `
		INSERT INTO audit_log (actor, actor_id, action, tenant_id, target, details)
		VALUES ($1, nullif($2, 0), $3, nullif($4, 0), $5, $6)`,
		e.Actor.Label, e.Actor.UserID, e.Action, e.TenantID, e.Target, details)
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	TenantID int64
	// BeforeID pages backwards: only entries older than this ID.
	BeforeID int64
	Limit    int
}

// List returns entries newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := q.Query(ctx, `
		SELECT id, at, actor, coalesce(actor_id, 0), action, coalesce(tenant_id, 0), target, details
		FROM audit_log
		WHERE ($1 = 0 OR tenant_id = $1) AND ($2 = 0 OR id < $2)
		ORDER BY id DESC
		LIMIT $3`, f.TenantID, f.BeforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var details []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor.Label, &e.Actor.UserID, &e.Action, &e.TenantID, &e.Target, &details); err != nil {
			return nil, fmt.Errorf("scan audit entry: %w", err)
		}
		if err := json.Unmarshal(details, &e.Details); err != nil {
			return nil, fmt.Errorf("decode audit details %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}
