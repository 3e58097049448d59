package dashboard

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/poller"
)

// LinkState is a link that feeds the camera and needs its owner
// (要再認証 / 要更新 / エラー).
type LinkState struct {
	ConnectionID int64
	// Provider is "ubiregi" or "smaregi".
	Provider string
	State    poller.State
}

// Coverage says whether the camera was fed in a range: whether a terminal
// was bound to it at any time of the range, whether one is bound now, and
// the links feeding it that need attention.
type Coverage struct {
	BoundInRange bool
	BoundNow     bool
	Attention    []LinkState
}

// Coverage is the camera's Coverage for [from, to).
func (s *Store) Coverage(ctx context.Context, tenantID, cameraID int64, from, to time.Time) (Coverage, error) {
	var c Coverage
	type conn struct {
		id       int64
		provider string
	}
	err := s.pool.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM terminal_bindings b WHERE b.tenant_id = $1 AND b.camera_id = $2
				AND b.bound_at < $4 AND coalesce(b.unbound_at, 'infinity') > $3),
			EXISTS (SELECT 1 FROM terminal_bindings b WHERE b.tenant_id = $1 AND b.camera_id = $2
				AND b.unbound_at IS NULL)`,
		tenantID, cameraID, from, to).Scan(&c.BoundInRange, &c.BoundNow)
	if err != nil {
		return Coverage{}, wrapRead("coverage", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT c.id, c.provider
		FROM terminal_bindings b JOIN pos_connections c ON c.tenant_id = b.tenant_id AND c.id = b.connection_id
		WHERE b.tenant_id = $1 AND b.camera_id = $2 AND b.unbound_at IS NULL
		ORDER BY c.id`, tenantID, cameraID)
	if err != nil {
		return Coverage{}, wrapRead("coverage", err)
	}
	conns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (conn, error) {
		var x conn
		return x, r.Scan(&x.id, &x.provider)
	})
	if err != nil {
		return Coverage{}, wrapRead("coverage", err)
	}
	if len(conns) == 0 {
		return c, nil
	}
	status, err := s.status.Status(ctx, tenantID)
	if err != nil {
		return Coverage{}, wrapRead("coverage", err)
	}
	for _, x := range conns {
		if st, ok := status[x.id]; ok && st.State != poller.StateActive {
			c.Attention = append(c.Attention, LinkState{ConnectionID: x.id, Provider: x.provider, State: st.State})
		}
	}
	return c, nil
}
