// Package audit writes and reads the append-only audit log. Entries are
// written in the same transaction as the change they describe, so the log
// never claims a change that was rolled back nor misses one that was kept.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/textcheck"
)

// Actor is who made a change.
type Actor struct {
	// UserID is the acting user, 0 for the command line or the system.
	UserID int64
	// Label names the actor for people: an e-mail or "cli:<os user>".
	Label string
	// Address is the client address of the request that made the change,
	// empty for the command line and the system.
	Address string
	// Reason is why the change was made, as its actor gave it (support
	// staff give one for every change on a tenant's behalf).
	Reason string
}

// Entry is one line of the audit log. Details must never hold a secret,
// and say what changed (a binding ended, a name before and after), never
// the request as it came: the log is append-only, so whatever a request
// puts there stays for good.
type Entry struct {
	ID       int64
	At       time.Time
	Actor    Actor
	Action   string
	TenantID int64
	Target   string
	Details  map[string]any
}

// MaxDetailsBytes bounds an entry's details as stored (JSON). Writers
// keep theirs far smaller; Record clips any larger, as the last guard of a
// log whose rows can never be deleted.
const MaxDetailsBytes = 8 << 10

// MaxListed is how many items a writer lists in one entry's details (the
// bindings a delete ended…); it records the count of the rest.
const MaxListed = 20

// Record appends e to the log within q, normally the change's transaction.
func Record(ctx context.Context, q db.Querier, e Entry) error {
	details, err := encodeDetails(e.Details)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `
		INSERT INTO audit_log (actor, actor_id, action, tenant_id, target, details, address, reason)
		VALUES ($1, nullif($2, 0), $3, nullif($4, 0), $5, $6, nullif($7, ''), nullif($8, ''))`,
		e.Actor.Label, e.Actor.UserID, e.Action, e.TenantID, e.Target, details,
		textcheck.Clip(e.Actor.Address, 60), clipMarked(e.Actor.Reason, 1000))
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// encodeDetails is the details as stored: JSON that PostgreSQL's jsonb
// takes (no NUL, which it refuses), at most MaxDetailsBytes. Details over
// the bound are replaced by a marker that says so, with their size and
// keys, so that the change is still recorded and the reader knows what
// is missing.
func encodeDetails(d map[string]any) ([]byte, error) {
	if d == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode audit details: %w", err)
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		if b, err = withoutNUL(b); err != nil {
			return nil, err
		}
	}
	if len(b) <= MaxDetailsBytes {
		return b, nil
	}
	keys := slices.Sorted(maps.Keys(d))
	if len(keys) > MaxListed {
		keys = keys[:MaxListed]
	}
	for i, k := range keys {
		keys[i] = textcheck.Clip(k, 64)
	}
	b, err = json.Marshal(map[string]any{"clipped": true, "bytes": len(b), "keys": keys})
	if err != nil {
		return nil, fmt.Errorf("encode clipped audit details: %w", err)
	}
	return withoutNUL(b)
}

// withoutNUL replaces NUL in the strings of JSON b by U+FFFD.
func withoutNUL(b []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode audit details: %w", err)
	}
	out, err := json.Marshal(replaceNUL(v))
	if err != nil {
		return nil, fmt.Errorf("encode audit details: %w", err)
	}
	return out, nil
}

func replaceNUL(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "\uFFFD")
	case []any:
		for i := range v {
			v[i] = replaceNUL(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.ReplaceAll(k, "\x00", "\uFFFD")] = replaceNUL(x)
		}
		return out
	}
	return v
}

// clipMarked is textcheck.Clip that ends text it cut with "…", so that
// the reader of the log knows there was more.
func clipMarked(s string, n int) string {
	s = textcheck.Clip(s, math.MaxInt)
	if utf8.RuneCountInString(s) > n {
		return textcheck.Clip(s, n) + "…"
	}
	return s
}
