package link

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Linked is a linked POS account of a tenant with its terminals' current
// bindings: a row group of the overview of a tenant's links.
type Linked struct {
	Conn     Connection
	Bindings []Binding
}

// Overview lists every linked POS account of the tenant, of both
// providers (Ubiregi's first), each with the bindings of its terminals
// now, ordered by store and terminal key. It reads poslink's own rows
// only: no provider is asked.
func (s *Store) Overview(ctx context.Context, tenantID int64) ([]Linked, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE tenant_id = $1 AND `+linked+` ORDER BY provider <> 'ubiregi', id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	conns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Connection, error) { return scanConnection(r) })
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		SELECT id, connection_id, terminal_key, terminal_name, store_name, camera_id, bound_at, gone_at
		FROM terminal_bindings
		WHERE tenant_id = $1 AND unbound_at IS NULL
		ORDER BY connection_id, store_name, terminal_key`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list bindings: %w", err)
	}
	bindings, err := pgx.CollectRows(rows, scanBinding)
	if err != nil {
		return nil, fmt.Errorf("list bindings: %w", err)
	}
	byConn := map[int64][]Binding{}
	for _, b := range bindings {
		byConn[b.ConnectionID] = append(byConn[b.ConnectionID], b)
	}
	out := make([]Linked, len(conns))
	for i, c := range conns {
		out[i] = Linked{Conn: c, Bindings: byConn[c.ID]}
	}
	return out, nil
}

func scanBinding(r pgx.CollectableRow) (Binding, error) {
	var b Binding
	var gone *time.Time
	err := r.Scan(&b.ID, &b.ConnectionID, &b.Terminal.Key, &b.Terminal.Name, &b.Terminal.Store, &b.CameraID, &b.BoundAt, &gone)
	if gone != nil {
		b.GoneAt = *gone
	}
	return b, err
}
