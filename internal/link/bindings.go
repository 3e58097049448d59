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
	return pgx.CollectRows(rows, scanBinding)
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

// NotBound is what a person saw of a terminal that fed no camera: the
// version a form carries for a row without a binding.
const NotBound int64 = 0

// AnyBinding is the version of a change made without a page, which binds
// whatever the terminal feeds now (an import from the old system).
const AnyBinding int64 = -1

// ErrChanged refuses a change to bindings that changed since the person
// saw them (in another tab, or by someone else): nothing is changed, and
// the page shows how they stand now.
var ErrChanged = apperr.New(apperr.Conflict, "err.link_changed")

// Bind makes the terminal feed the camera from now on, ending its current
// binding if it fed another. seen is the version of the terminal the
// person saw: the ID of its binding then, or NotBound. When the terminal's
// binding is another one now, nothing changes and the answer is
// ErrChanged (unless it feeds the camera already: then all is as asked); a seen that was never a binding of the terminal is
// ErrNotFound. The check and the change are one transaction under the
// connection's lock, so of concurrent changes from one version only the
// first wins. The caller has checked that the terminal belongs to the
// connection's POS account. The camera must be the tenant's and its POS
// option usable today.
func (s *Store) Bind(ctx context.Context, actor audit.Actor, tenantID, connectionID int64, t Terminal, cameraID, seen int64) error {
	if err := s.checkCamera(ctx, tenantID, cameraID); err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, connectionID)
		if err != nil {
			return err
		}
		return bindTx(ctx, tx, actor, tenantID, connectionID, t, cameraID, seen, at)
	})
}

// Rebind moves the terminal of a current binding of the connection to
// another camera (support staff's 再連携): the binding's ID names the
// terminal and is the version the person saw. One that is not the
// connection's is ErrNotFound; one that ended since is ErrChanged. The
// terminal keeps its names; the provider is not asked. It returns the
// terminal.
func (s *Store) Rebind(ctx context.Context, actor audit.Actor, tenantID, connectionID, bindingID, cameraID int64) (Terminal, error) {
	if err := s.checkCamera(ctx, tenantID, cameraID); err != nil {
		return Terminal{}, err
	}
	var t Terminal
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, connectionID)
		if err != nil {
			return err
		}
		var ended bool
		err = tx.QueryRow(ctx, `SELECT terminal_key, terminal_name, store_name, unbound_at IS NOT NULL
			FROM terminal_bindings WHERE tenant_id = $1 AND connection_id = $2 AND id = $3`,
			tenantID, connectionID, bindingID).Scan(&t.Key, &t.Name, &t.Store, &ended)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("read binding: %w", err)
		case ended:
			return ErrChanged
		}
		return bindTx(ctx, tx, actor, tenantID, connectionID, t, cameraID, bindingID, at)
	})
	return t, err
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

// bindTx binds within tx, which holds the connection's lock, as of at,
// if the terminal's current binding is still the one seen (AnyBinding:
// whichever). A terminal that feeds the camera already stays as it is.
func bindTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, tenantID, connectionID int64, t Terminal, cameraID, seen int64, at time.Time) error {
	var currentID, current int64
	err := tx.QueryRow(ctx, `SELECT id, camera_id FROM terminal_bindings
		WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connectionID, t.Key).Scan(&currentID, &current)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read binding: %w", err)
	}
	switch {
	case err == nil && current == cameraID:
		// Already so, whatever the person saw; refresh the names the
		// provider reports.
		_, err := tx.Exec(ctx, `UPDATE terminal_bindings SET terminal_name = $3, store_name = $4
			WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`,
			connectionID, t.Key, textcheck.Clip(t.Name, 200), textcheck.Clip(t.Store, 200))
		return err
	case seen != AnyBinding && seen != currentID:
		return seenError(ctx, tx, tenantID, connectionID, t.Key, seen)
	case err == nil:
		if _, err := tx.Exec(ctx, `UPDATE terminal_bindings SET unbound_at = $3
			WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connectionID, t.Key, at); err != nil {
			return fmt.Errorf("end binding: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO terminal_bindings
		(tenant_id, connection_id, terminal_key, terminal_name, store_name, camera_id, bound_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tenantID, connectionID, t.Key, textcheck.Clip(t.Name, 200), textcheck.Clip(t.Store, 200), cameraID, at); err != nil {
		return fmt.Errorf("bind terminal %s: %w", t.Key, err)
	}
	return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.bind", TenantID: tenantID,
		Target: fmt.Sprintf("connection:%d", connectionID), Details: map[string]any{
			"terminal": t.Key, "terminal_name": textcheck.Clip(t.Name, 200), "camera_id": cameraID, "previous_camera_id": current}})
}

// seenError is why a terminal's binding is not the one seen: ErrChanged
// when seen is NotBound or a binding the terminal had, ErrNotFound when it
// names none of the terminal's (a hand-made form).
func seenError(ctx context.Context, tx pgx.Tx, tenantID, connectionID int64, key string, seen int64) error {
	if seen == NotBound {
		return ErrChanged
	}
	var had bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM terminal_bindings
		WHERE tenant_id = $1 AND connection_id = $2 AND terminal_key = $3 AND id = $4)`,
		tenantID, connectionID, key, seen).Scan(&had)
	switch {
	case err != nil:
		return fmt.Errorf("read binding %d: %w", seen, err)
	case had:
		return ErrChanged
	}
	return ErrNotFound
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

// Unbind ends the given bindings of a connection (the manuals' delete: the
// link of those terminals only), and returns how many it ended: all of
// them, or none. The IDs are the bindings the person saw; at most
// MaxUnbind are taken. One that is not a binding of the tenant's
// connection is ErrNotFound; one that ended or was replaced since is
// ErrChanged, checked with the change under the connection's lock. The
// audit entry lists the bindings that ended, with the camera each fed.
func (s *Store) Unbind(ctx context.Context, actor audit.Actor, tenantID, connectionID int64, bindingIDs []int64) (int, error) {
	if len(bindingIDs) > MaxUnbind {
		return 0, ErrTooManyTerminals
	}
	ids := slices.Compact(slices.Sorted(slices.Values(bindingIDs)))
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, connectionID)
		if err != nil {
			return err
		}
		if err := checkCurrent(ctx, tx, tenantID, connectionID, ids); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE terminal_bindings SET unbound_at = $4
			WHERE tenant_id = $1 AND connection_id = $2 AND id = ANY($3) AND unbound_at IS NULL
			RETURNING terminal_key, terminal_name, camera_id`,
			tenantID, connectionID, ids, at)
		if err != nil {
			return fmt.Errorf("unbind terminals: %w", err)
		}
		ended, err := collectEnded(rows)
		if err != nil {
			return fmt.Errorf("unbind terminals: %w", err)
		}
		n = len(ended)
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.unbind", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", connectionID), Details: endedDetails(ended)})
	})
	return n, err
}

// checkCurrent refuses, within tx under the connection's lock, binding IDs
// that are not all bindings of the connection (ErrNotFound) or not all
// current (ErrChanged).
func checkCurrent(ctx context.Context, tx pgx.Tx, tenantID, connectionID int64, ids []int64) error {
	var known, current int
	err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE unbound_at IS NULL) FROM terminal_bindings
		WHERE tenant_id = $1 AND connection_id = $2 AND id = ANY($3)`, tenantID, connectionID, ids).Scan(&known, &current)
	switch {
	case err != nil:
		return fmt.Errorf("read bindings: %w", err)
	case known < len(ids):
		return ErrNotFound
	case current < len(ids):
		return ErrChanged
	}
	return nil
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
		listed = append(listed, map[string]any{"terminal": b.key, "terminal_name": textcheck.Clip(b.name, 40), "camera_id": b.cameraID})
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
		keys[i], names[i], stores[i] = t.Key, textcheck.Clip(t.Name, 200), textcheck.Clip(t.Store, 200)
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

// checkAllSeen refuses, within tx under the connection's lock, a change
// to all of a connection's bindings when seen names a binding that was
// never the connection's (ErrNotFound), or when its current bindings are
// not exactly the ones seen (ErrChanged).
func checkAllSeen(ctx context.Context, tx pgx.Tx, tenantID, connectionID int64, seen []int64) error {
	seen = slices.Compact(slices.Sorted(slices.Values(seen)))
	rows, err := tx.Query(ctx, `SELECT id, unbound_at IS NULL FROM terminal_bindings
		WHERE tenant_id = $1 AND connection_id = $2 AND (unbound_at IS NULL OR id = ANY($3)) ORDER BY id`,
		tenantID, connectionID, seen)
	if err != nil {
		return fmt.Errorf("read bindings: %w", err)
	}
	var known, current []int64
	var id int64
	var isCurrent bool
	_, err = pgx.ForEachRow(rows, []any{&id, &isCurrent}, func() error {
		if slices.Contains(seen, id) {
			known = append(known, id)
		}
		if isCurrent {
			current = append(current, id)
		}
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("read bindings: %w", err)
	case len(known) < len(seen):
		return ErrNotFound
	case !slices.Equal(current, seen):
		return ErrChanged
	}
	return nil
}
