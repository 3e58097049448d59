package stills

import (
	"context"
	"fmt"
)

// States are the still states of the tenant's transactions txnIDs, for a
// list that shows each row's state without reading the pictures. An ID
// that is not the tenant's is absent; a transaction without a still row is
// Evicted, as Read says.
func (r *Reader) States(ctx context.Context, tenantID int64, txnIDs []int64) (map[int64]State, error) {
	out := make(map[int64]State, len(txnIDs))
	if len(txnIDs) == 0 {
		return out, nil
	}
	rows, err := r.pool.Query(ctx, `
		SELECT t.id, coalesce(s.state, 'evicted')
		FROM pos_transactions t LEFT JOIN transaction_stills s ON s.transaction_id = t.id
		WHERE t.tenant_id = $1 AND t.id = ANY($2)`, tenantID, txnIDs)
	if err != nil {
		return nil, fmt.Errorf("read still states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			return nil, fmt.Errorf("read still states: %w", err)
		}
		out[id] = State(st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read still states: %w", err)
	}
	return out, nil
}
