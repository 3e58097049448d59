package tenancy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
)

const cameraColumns = `id, tenant_id, device_id, name, model, pos_enabled,
	coalesce(pos_usable_from, '0001-01-01'::date), created_at`

func scanCamera(row pgx.Row) (Camera, error) {
	var c Camera
	err := row.Scan(&c.ID, &c.TenantID, &c.DeviceID, &c.Name, &c.Model, &c.POSEnabled, &c.POSUsableFrom, &c.CreatedAt)
	return c, err
}

var errDeviceTaken = &apperr.Error{Kind: apperr.Conflict, Key: "err.form_invalid",
	Fields: map[string]string{"device_id": "err.device_id_taken"}}

// CreateCamera adds a camera to a tenant, with the POS option off.
func (s *Store) CreateCamera(ctx context.Context, actor audit.Actor, tenantID int64, in CameraInput) (Camera, error) {
	in, err := ValidateCamera(in)
	if err != nil {
		return Camera{}, err
	}
	var c Camera
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR SHARE`, tenantID).Scan(new(int)); err != nil {
			return notFound(err)
		}
		c, err = scanCamera(tx.QueryRow(ctx, `
			INSERT INTO cameras (tenant_id, device_id, name, model) VALUES ($1, $2, $3, $4)
			RETURNING `+cameraColumns, tenantID, in.DeviceID, in.Name, in.Model))
		if db.IsUniqueViolation(err, "cameras_device_id_key") {
			return errDeviceTaken
		}
		if err != nil {
			return fmt.Errorf("insert camera: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "camera.create", TenantID: tenantID,
			Target: fmt.Sprintf("camera:%d", c.ID), Details: map[string]any{"device_id": in.DeviceID, "name": in.Name}})
	})
	return c, err
}

// UpdateCamera changes a camera's device ID, name and model.
func (s *Store) UpdateCamera(ctx context.Context, actor audit.Actor, tenantID, cameraID int64, in CameraInput) error {
	in, err := ValidateCamera(in)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := scanCamera(tx.QueryRow(ctx, `SELECT `+cameraColumns+` FROM cameras
			WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, cameraID))
		if err != nil {
			return notFound(err)
		}
		from, to := changedFields(
			[3]string{old.DeviceID, old.Name, old.Model},
			[3]string{in.DeviceID, in.Name, in.Model})
		if len(to) == 0 {
			return nil // nothing changes, so nothing is recorded
		}
		_, err = tx.Exec(ctx, `UPDATE cameras SET device_id = $3, name = $4, model = $5, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, cameraID, in.DeviceID, in.Name, in.Model)
		if db.IsUniqueViolation(err, "cameras_device_id_key") {
			return errDeviceTaken
		}
		if err != nil {
			return fmt.Errorf("update camera: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "camera.update", TenantID: tenantID,
			Target: fmt.Sprintf("camera:%d", cameraID), Details: map[string]any{"from": from, "to": to}})
	})
}

// changedFields are the camera's fields (device ID, name, model) that
// differ, before and after: what an update records.
func changedFields(before, after [3]string) (from, to map[string]any) {
	from, to = map[string]any{}, map[string]any{}
	for i, name := range [3]string{"device_id", "name", "model"} {
		if before[i] != after[i] {
			from[name], to[name] = before[i], after[i]
		}
	}
	return from, to
}

// SetPOSOption switches a camera's POS option. usableFrom is required when
// enabling and is the first day linking is allowed.
func (s *Store) SetPOSOption(ctx context.Context, actor audit.Actor, tenantID, cameraID int64, enabled bool, usableFrom time.Time) error {
	if enabled && usableFrom.IsZero() {
		return &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid",
			Fields: map[string]string{"pos_usable_from": "err.date_invalid"}}
	}
	var from any
	if enabled {
		from = dateOf(usableFrom)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := scanCamera(tx.QueryRow(ctx, `SELECT `+cameraColumns+` FROM cameras
			WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, cameraID))
		if err != nil {
			return notFound(err)
		}
		if old.POSEnabled == enabled && (!enabled || old.POSUsableFrom.Equal(dateOf(usableFrom))) {
			return nil // nothing changes, so nothing is recorded
		}
		if _, err := tx.Exec(ctx, `UPDATE cameras SET pos_enabled = $3, pos_usable_from = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, cameraID, enabled, from); err != nil {
			return fmt.Errorf("set POS option: %w", err)
		}
		details := posDetails(enabled, dateOf(usableFrom))
		details["previous"] = posDetails(old.POSEnabled, old.POSUsableFrom)
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "camera.pos_option", TenantID: tenantID,
			Target: fmt.Sprintf("camera:%d", cameraID), Details: details})
	})
}

// posDetails is a POS option as the audit log records it.
func posDetails(enabled bool, usableFrom time.Time) map[string]any {
	d := map[string]any{"enabled": enabled}
	if enabled {
		d["usable_from"] = usableFrom.Format(time.DateOnly)
	}
	return d
}

// Cameras lists a tenant's cameras.
func (s *Store) Cameras(ctx context.Context, tenantID int64) ([]Camera, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+cameraColumns+` FROM cameras WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list cameras: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Camera, error) { return scanCamera(r) })
}

// Camera returns a tenant's camera; another tenant's camera is not found.
func (s *Store) Camera(ctx context.Context, tenantID, cameraID int64) (Camera, error) {
	c, err := scanCamera(s.pool.QueryRow(ctx, `SELECT `+cameraColumns+` FROM cameras
		WHERE tenant_id = $1 AND id = $2`, tenantID, cameraID))
	if err != nil {
		return Camera{}, notFound(err)
	}
	return c, nil
}

// CameraByDeviceID finds a camera of any tenant by its device ID, for staff
// and the operator commands. A device ID no camera can have is refused
// (Invalid, on the field "device_id") before any query.
func (s *Store) CameraByDeviceID(ctx context.Context, deviceID string) (Camera, error) {
	var v apperr.Validation
	deviceID = checkDeviceID(&v, "device_id", deviceID)
	if err := v.Err(); err != nil {
		return Camera{}, oneField(err)
	}
	c, err := scanCamera(s.pool.QueryRow(ctx, `SELECT `+cameraColumns+` FROM cameras WHERE device_id = $1`, deviceID))
	if err != nil {
		return Camera{}, notFound(err)
	}
	return c, nil
}
