package poller

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TerminalRef names a terminal of a connection.
type TerminalRef struct {
	ConnID int64
	Key    string
}

// LastSales is, for each terminal bound now on the tenant's connections,
// the sale time of its newest stored transaction (whichever camera it fed
// then); a terminal with none stored is not in the map. It only reads.
func (r *StatusReader) LastSales(ctx context.Context, tenantID int64) (map[TerminalRef]time.Time, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT b.connection_id, b.terminal_key, last.sold_at
		FROM terminal_bindings b
		CROSS JOIN LATERAL (
			SELECT t.sold_at FROM pos_transactions t
			WHERE t.tenant_id = $1 AND t.connection_id = b.connection_id AND t.terminal_key = b.terminal_key
			ORDER BY t.sold_at DESC LIMIT 1) last
		WHERE b.tenant_id = $1 AND b.unbound_at IS NULL`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("read last sales: %w", err)
	}
	out := map[TerminalRef]time.Time{}
	var ref TerminalRef
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&ref.ConnID, &ref.Key, &at}, func() error {
		out[ref] = at
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read last sales: %w", err)
	}
	return out, nil
}
