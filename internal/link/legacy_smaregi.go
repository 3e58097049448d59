package link

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/textcheck"
)

// MarkSmaregiLegacyUpdateRequired marks 要更新 every Smaregi link of any
// tenant that is still on the old API's access token, once that API has
// stopped (the caller knows when), and audits each. It returns how many
// links it marked.
func (s *Store) MarkSmaregiLegacyUpdateRequired(ctx context.Context, actor audit.Actor, detail string) (int, error) {
	var n int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE pos_connections SET status = 'update_required', status_detail = $1, updated_at = now()
			WHERE provider = 'smaregi' AND auth_kind = 'legacy_token' AND status <> 'update_required'
			RETURNING id, tenant_id`, textcheck.Clip(detail, 500))
		if err != nil {
			return fmt.Errorf("mark legacy smaregi links: %w", err)
		}
		type marked struct{ id, tenantID int64 }
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (marked, error) {
			var m marked
			return m, r.Scan(&m.id, &m.tenantID)
		})
		if err != nil {
			return fmt.Errorf("mark legacy smaregi links: %w", err)
		}
		for _, m := range list {
			if err := audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.status", TenantID: m.tenantID,
				Target: fmt.Sprintf("connection:%d", m.id), Details: map[string]any{"status": string(UpdateRequired), "detail": textcheck.Clip(detail, 500)}}); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, err
}
