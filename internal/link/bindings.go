package link

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/tenancy"
)

// Bindings lists the current bindings of a tenant's connection.
func (s *Store) Bindings(ctx context.Context, tenantID, connectionID int64) ([]Binding, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, connection_id, terminal_key, terminal_name, store_name, camera_id, bound_at
		FROM terminal_bindings
		WHERE tenant_id = $1 AND connection_id = $2 AND unbound_at IS NULL
		ORDER BY store_name, terminal_key`, tenantID, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list bindings: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Binding, error) {
		var b Binding
		err := r.Scan(&b.ID, &b.ConnectionID, &b.Terminal.Key, &b.Terminal.Name, &b.Terminal.Store, &b.CameraID, &b.BoundAt)
		return b, err
	})
}

// UsableCameras are the tenant's cameras a terminal may be bound to today.
func (s *Store) UsableCameras(ctx context.Context, tenantID int64) ([]tenancy.Camera, error) {
	cams, err := s.cameras.Cameras(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	today := s.cameras.Today()
	out := cams[:0]
	for _, c := range cams {
		if c.POSStateOn(today) == tenancy.POSUsable {
			out = append(out, c)
		}
	}
	return out, nil
}

// Bind makes the terminal feed the camera from now on, ending its current
// binding if it fed another. The caller has checked that the terminal
// belongs to the connection's POS account. The camera must be the tenant's
// and its POS option usable today.
func (s *Store) Bind(ctx context.Context, actor audit.Actor, tenantID, connectionID int64, t Terminal, cameraID int64) error {
	cam, err := s.cameras.Camera(ctx, tenantID, cameraID)
	if apperr.KindOf(err) == apperr.NotFound {
		return &apperr.Error{Kind: apperr.Invalid, Key: "err.camera_not_found"}
	}
	if err != nil {
		return err
	}
	switch cam.POSStateOn(s.cameras.Today()) {
	case tenancy.POSOff:
		return ErrCameraPOSOff
	case tenancy.POSWaiting:
		return ErrCameraNotUsable
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// Lock the connection: concurrent rebinds of its terminals queue up.
		if err := tx.QueryRow(ctx, `SELECT 1 FROM pos_connections WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
			tenantID, connectionID).Scan(new(int)); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return fmt.Errorf("lock connection: %w", err)
		}
		var current int64
		err := tx.QueryRow(ctx, `SELECT camera_id FROM terminal_bindings
			WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connectionID, t.Key).Scan(&current)
		switch {
		case err == nil && current == cameraID:
			// Already so; refresh the names the provider reports.
			_, err := tx.Exec(ctx, `UPDATE terminal_bindings SET terminal_name = $3, store_name = $4
				WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`,
				connectionID, t.Key, clip(t.Name, 200), clip(t.Store, 200))
			return err
		case err == nil:
			if _, err := tx.Exec(ctx, `UPDATE terminal_bindings SET unbound_at = now()
				WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connectionID, t.Key); err != nil {
				return fmt.Errorf("end binding: %w", err)
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("read binding: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO terminal_bindings
			(tenant_id, connection_id, terminal_key, terminal_name, store_name, camera_id)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			tenantID, connectionID, t.Key, clip(t.Name, 200), clip(t.Store, 200), cameraID); err != nil {
			return fmt.Errorf("bind terminal: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.bind", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", connectionID), Details: map[string]any{
				"terminal": t.Key, "terminal_name": t.Name, "camera_id": cameraID, "previous_camera_id": current}})
	})
}

// Unbind ends the bindings of the given terminals of a connection (the
// manuals' delete: the link of those terminals only).
func (s *Store) Unbind(ctx context.Context, actor audit.Actor, tenantID, connectionID int64, terminalKeys []string) (int, error) {
	var n int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE terminal_bindings SET unbound_at = now()
			WHERE tenant_id = $1 AND connection_id = $2 AND terminal_key = ANY($3) AND unbound_at IS NULL`,
			tenantID, connectionID, terminalKeys)
		if err != nil {
			return fmt.Errorf("unbind terminals: %w", err)
		}
		n = int(tag.RowsAffected())
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.unbind", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", connectionID), Details: map[string]any{"terminals": terminalKeys}})
	})
	return n, err
}
