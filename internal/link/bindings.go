package link

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/internal/textcheck"
)

// Bindings lists the current bindings of a tenant's connection.
func (s *Store) Bindings(ctx context.Context, tenantID, connectionID int64) ([]Binding, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, connection_id, terminal_key, terminal_name, store_name, camera_id, bound_at, gone_at
		FROM terminal_bindings
		WHERE tenant_id = $1 AND connection_id = $2 AND unbound_at IS NULL
		ORDER BY store_name, terminal_key`, tenantID, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list bindings: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Binding, error) {
		var b Binding
		var gone *time.Time
		err := r.Scan(&b.ID, &b.ConnectionID, &b.Terminal.Key, &b.Terminal.Name, &b.Terminal.Store, &b.CameraID, &b.BoundAt, &gone)
		if gone != nil {
			b.GoneAt = *gone
		}
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
	if err := s.checkCamera(ctx, tenantID, cameraID); err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, connectionID)
		if err != nil {
			return err
		}
		return bindTx(ctx, tx, actor, tenantID, connectionID, t, cameraID, at)
	})
}

// checkCamera refuses a camera that is not the tenant's or whose POS option
// is not usable today.
func (s *Store) checkCamera(ctx context.Context, tenantID, cameraID int64) error {
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
	return nil
}

// lockConnection locks a linked connection of the tenant for the rest of
// tx, so that changes to its bindings queue up, and returns the database's
// time once the lock is held: the moment those changes take effect. Taken
// after the lock, it never falls before a binding that a change committed
// before it started, whichever instance made it, so every period ends
// after it began and the next one starts where it ended.
func lockConnection(ctx context.Context, tx pgx.Tx, tenantID, connectionID int64) (time.Time, error) {
	err := tx.QueryRow(ctx, `SELECT 1 FROM pos_connections WHERE tenant_id = $1 AND id = $2 AND `+linked+` FOR UPDATE`,
		tenantID, connectionID).Scan(new(int))
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("lock connection: %w", err)
	}
	return dbNow(ctx, tx)
}

// dbNow is the database's time now (not the transaction's start).
func dbNow(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var at time.Time
	if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("read database time: %w", err)
	}
	return at, nil
}

// bindTx binds within tx, which holds the connection's lock, as of at.
func bindTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, tenantID, connectionID int64, t Terminal, cameraID int64, at time.Time) error {
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
		if _, err := tx.Exec(ctx, `UPDATE terminal_bindings SET unbound_at = $3
			WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connectionID, t.Key, at); err != nil {
			return fmt.Errorf("end binding: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("read binding: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO terminal_bindings
		(tenant_id, connection_id, terminal_key, terminal_name, store_name, camera_id, bound_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tenantID, connectionID, t.Key, clip(t.Name, 200), clip(t.Store, 200), cameraID, at); err != nil {
		return fmt.Errorf("bind terminal %s: %w", t.Key, err)
	}
	return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.bind", TenantID: tenantID,
		Target: fmt.Sprintf("connection:%d", connectionID), Details: map[string]any{
			"terminal": t.Key, "terminal_name": clip(t.Name, 200), "camera_id": cameraID, "previous_camera_id": current}})
}

// MaxTerminalKeyLen is the longest terminal key, as the schema allows.
const MaxTerminalKeyLen = 100

// MaxUnbind bounds the terminals one delete names: more than any one POS
// account's registers that a person ticks on a page (a whole link goes
// with the link's own delete). It bounds what a form can make the
// database and the audit log do.
const MaxUnbind = 500

// ErrTooManyTerminals refuses a delete naming more than MaxUnbind
// terminals.
var ErrTooManyTerminals = apperr.New(apperr.Invalid, "err.link_too_many_terminals", MaxUnbind)

// CheckTerminalKey refuses a terminal key no terminal can have (text
// textcheck refuses, or longer than MaxTerminalKeyLen) with the message of
// its problem, before it reaches a query.
func CheckTerminalKey(key string) error {
	if key == "" {
		return apperr.New(apperr.Invalid, "err.required")
	}
	if p := textcheck.Line(key, MaxTerminalKeyLen); p != textcheck.OK {
		return apperr.New(apperr.Invalid, p.Key())
	}
	return nil
}

// Unbind ends the bindings of the given terminals of a connection (the
// manuals' delete: the link of those terminals only), and returns how many
// it ended. Keys that name no current binding of the connection are
// ignored; at most MaxUnbind keys are taken, each checked before the
// query. The audit entry lists the bindings that ended, with the camera
// each fed, not the keys the request named.
func (s *Store) Unbind(ctx context.Context, actor audit.Actor, tenantID, connectionID int64, terminalKeys []string) (int, error) {
	if len(terminalKeys) > MaxUnbind {
		return 0, ErrTooManyTerminals
	}
	for _, k := range terminalKeys {
		if err := CheckTerminalKey(k); err != nil {
			return 0, err
		}
	}
	var n int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, connectionID)
		if errors.Is(err, ErrNotFound) {
			return nil // nothing of the tenant's to unbind
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE terminal_bindings SET unbound_at = $4
			WHERE tenant_id = $1 AND connection_id = $2 AND terminal_key = ANY($3) AND unbound_at IS NULL
			RETURNING terminal_key, terminal_name, camera_id`,
			tenantID, connectionID, terminalKeys, at)
		if err != nil {
			return fmt.Errorf("unbind terminals: %w", err)
		}
		ended, err := collectEnded(rows)
		if err != nil {
			return fmt.Errorf("unbind terminals: %w", err)
		}
		n = len(ended)
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.unbind", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", connectionID), Details: endedDetails(ended)})
	})
	return n, err
}

// endedBinding is a binding that a change ended: the terminal and the
// camera it fed until then.
type endedBinding struct {
	key, name string
	cameraID  int64
}

func collectEnded(rows pgx.Rows) ([]endedBinding, error) {
	ended, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (endedBinding, error) {
		var b endedBinding
		return b, r.Scan(&b.key, &b.name, &b.cameraID)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ended, func(a, b endedBinding) int { return strings.Compare(a.key, b.key) })
	return ended, nil
}

// endedDetails is what the audit log records of ended bindings: how many,
// and the first audit.MaxListed of them with the camera each fed and the
// start of the terminal's name (the bindings keep it whole), so that the
// entry stays within audit.MaxDetailsBytes.
func endedDetails(ended []endedBinding) map[string]any {
	listed := make([]map[string]any, 0, min(len(ended), audit.MaxListed))
	for _, b := range ended[:min(len(ended), audit.MaxListed)] {
		listed = append(listed, map[string]any{"terminal": b.key, "terminal_name": clip(b.name, 40), "camera_id": b.cameraID})
	}
	d := map[string]any{"bindings_ended": len(ended), "ended": listed}
	if len(ended) > len(listed) {
		d["not_listed"] = len(ended) - len(listed)
	}
	return d
}

// RenameTerminals stores the names the provider now reports for terminals
// and their stores on the connection's current bindings (a register may be
// renamed; an imported link knows none), so that pages that do not ask the
// provider show them. Ended bindings keep the names of their time. It is
// background work: names are for display, not audited. It returns how many
// bindings changed.
func (s *Store) RenameTerminals(ctx context.Context, tenantID, connectionID int64, terms []Terminal) (int, error) {
	keys, names, stores := make([]string, len(terms)), make([]string, len(terms)), make([]string, len(terms))
	for i, t := range terms {
		keys[i], names[i], stores[i] = t.Key, clip(t.Name, 200), clip(t.Store, 200)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE terminal_bindings b SET terminal_name = n.name, store_name = n.store
		FROM unnest($3::text[], $4::text[], $5::text[]) AS n(key, name, store)
		WHERE b.tenant_id = $1 AND b.connection_id = $2 AND b.unbound_at IS NULL AND b.terminal_key = n.key
		  AND (b.terminal_name <> n.name OR b.store_name <> n.store)`, tenantID, connectionID, keys, names, stores)
	if err != nil {
		return 0, fmt.Errorf("rename terminals: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
