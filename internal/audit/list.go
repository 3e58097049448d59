package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/db"
)

// Filter selects entries. Zero fields do not filter; the set ones all
// must hold.
type Filter struct {
	// TenantID keeps one tenant's entries. A reader who may see only one
	// tenant (an owner) always sets it.
	TenantID int64
	// TenantName keeps the entries of tenants whose name contains it, in
	// any case.
	TenantName string
	// ActorIDs keeps the entries these users made.
	ActorIDs []int64
	// ActorText keeps the entries whose actor (an e-mail, "cli:…",
	// "system:…") contains it, in any case.
	ActorText string
	// Action keeps one action ("link.bind"), or a group of them when it
	// ends with a dot ("link.").
	Action string
	// From and To keep the entries made in [From, To).
	From, To time.Time
	// BeforeID pages backwards: only entries listed after this one (older,
	// newest first). An ID the filter would not list gives nothing.
	BeforeID int64
	// Limit bounds the entries returned: 1 to MaxPage, MaxPage when 0.
	Limit int
}

// MaxPage bounds the entries one List returns.
const MaxPage = 500

// MaxExport bounds the entries one Export hands over: the newest of a
// larger selection. A page that offers the export says so.
const MaxExport = 100_000

// exportBatch is how many entries Export reads per query: each query is
// short, and no connection is held while the caller writes a batch out to
// a slow client.
const exportBatch = 1000

// List returns the entries f selects, newest first (by time, then ID).
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = MaxPage
	}
	return list(ctx, q, f)
}

// Export hands the entries f selects to fn, newest first, a batch at a
// time, at most f.Limit (MaxExport when 0 or over it) in all, and returns
// how many it handed over. Only one batch is held at a time. It stops at
// fn's first error and returns it.
func Export(ctx context.Context, q db.Querier, f Filter, fn func([]Entry) error) (int, error) {
	remaining := f.Limit
	if remaining <= 0 || remaining > MaxExport {
		remaining = MaxExport
	}
	n := 0
	for remaining > 0 {
		f.Limit = min(remaining, exportBatch)
		batch, err := list(ctx, q, f)
		if err != nil {
			return n, err
		}
		if len(batch) == 0 {
			return n, nil
		}
		if err := fn(batch); err != nil {
			return n, err
		}
		n += len(batch)
		remaining -= len(batch)
		if len(batch) < f.Limit {
			return n, nil
		}
		f.BeforeID = batch[len(batch)-1].ID
	}
	return n, nil
}

// list runs the one query of the log's readers. Only the conditions of
// the set fields are written out, so that each query is planned for what
// it asks (the indexes of migration 00009 serve the tenant's, the
// action's and the time range's).
func list(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.TenantID != 0 {
		where = append(where, "tenant_id = "+arg(f.TenantID))
	}
	if f.TenantName != "" {
		where = append(where, "tenant_id IN (SELECT id FROM tenants WHERE name ILIKE "+arg(containsPattern(f.TenantName))+")")
	}
	if len(f.ActorIDs) > 0 {
		where = append(where, "actor_id = ANY("+arg(f.ActorIDs)+")")
	}
	if f.ActorText != "" {
		where = append(where, "actor ILIKE "+arg(containsPattern(f.ActorText)))
	}
	if group, ok := strings.CutSuffix(f.Action, "."); ok {
		where = append(where, "action LIKE "+arg(escapeLike(group)+`.%`))
	} else if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To))
	}
	if f.BeforeID != 0 {
		// The entry paged from is looked up within the same tenant, so that
		// another tenant's ID tells nothing of when it was made.
		scope := ""
		if f.TenantID != 0 {
			scope = " AND b.tenant_id = " + arg(f.TenantID)
		}
		where = append(where, "(at, id) < (SELECT b.at, b.id FROM audit_log b WHERE b.id = "+arg(f.BeforeID)+scope+")")
	}
	sql := `SELECT id, at, actor, coalesce(actor_id, 0), coalesce(address, ''), coalesce(reason, ''),
		       action, coalesce(tenant_id, 0), target, details
		FROM audit_log`
	if len(where) > 0 {
		sql += "\n\t\tWHERE " + strings.Join(where, "\n\t\t  AND ")
	}
	sql += "\n\t\tORDER BY at DESC, id DESC\n\t\tLIMIT " + arg(f.Limit)

	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var details []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor.Label, &e.Actor.UserID, &e.Actor.Address, &e.Actor.Reason,
			&e.Action, &e.TenantID, &e.Target, &details); err != nil {
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

// containsPattern is a LIKE pattern matching text that contains s.
func containsPattern(s string) string { return "%" + escapeLike(s) + "%" }

// escapeLike makes s match literally inside a LIKE pattern (whose escape
// character is PostgreSQL's default, the backslash).
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
