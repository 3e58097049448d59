package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/internal/textcheck"
)

// Store reads and changes connections and bindings. Every method takes the
// tenant: a connection or camera of another tenant is not found.
type Store struct {
	pool    *pgxpool.Pool
	keys    *secret.Keyring
	cameras *tenancy.Store
	now     func() time.Time
}

// NewStore returns a Store sealing credentials with keys (nil: linking
// fails with a message saying the key is missing).
func NewStore(pool *pgxpool.Pool, keys *secret.Keyring, cameras *tenancy.Store, now func() time.Time) *Store {
	return &Store{pool: pool, keys: keys, cameras: cameras, now: now}
}

// The errors people can meet.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "err.not_found")
	ErrOtherTenant      = apperr.New(apperr.Conflict, "err.link_other_tenant")
	ErrCameraNotUsable  = apperr.New(apperr.Invalid, "err.camera_not_usable")
	ErrCameraPOSOff     = apperr.New(apperr.Invalid, "err.camera_pos_off")
	ErrCredentialsRaced = errors.New("credentials changed concurrently")
)

const connectionColumns = `id, tenant_id, provider, external_id, name, memo, auth_kind, status, status_detail,
	coalesce(access_expires_at, 'epoch'::timestamptz), credentials_version, created_at, updated_at, linked_at`

// linked selects the connections that are linked: an unlinked one is
// history only, and every list, page and credential read skips it.
const linked = `status <> 'unlinked'`

func scanConnection(row pgx.Row) (Connection, error) {
	var c Connection
	err := row.Scan(&c.ID, &c.TenantID, &c.Provider, &c.ExternalID, &c.Name, &c.Memo, &c.AuthKind, &c.Status,
		&c.StatusDetail, &c.AccessExpiresAt, &c.CredentialsVersion, &c.CreatedAt, &c.UpdatedAt, &c.LinkedAt)
	if c.AccessExpiresAt.Unix() == 0 {
		c.AccessExpiresAt = time.Time{}
	}
	return c, err
}

// aad binds sealed credentials to their POS account, so that a sealed value
// copied onto another row does not open.
func aad(p Provider, externalID string) []byte { return []byte(string(p) + ":" + externalID) }

func (s *Store) seal(p Provider, externalID string, creds any) ([]byte, error) {
	b, err := json.Marshal(creds)
	if err != nil {
		return nil, fmt.Errorf("encode credentials: %w", err)
	}
	sealed, err := s.keys.Seal(b, aad(p, externalID))
	if errors.Is(err, secret.ErrNoKeys) {
		return nil, apperr.Wrap(apperr.Unavailable, err, "err.secret_keys_missing")
	}
	if err != nil {
		return nil, fmt.Errorf("seal credentials: %w", err)
	}
	return sealed, nil
}

// Save links a POS account to the tenant, or updates the tenant's existing
// link of it (new credentials, status active again) keeping its bindings. A
// link the tenant deleted is revived: its bindings stay ended, and its
// history continues. The same POS account linked by another tenant is
// refused with ErrOtherTenant.
func (s *Store) Save(ctx context.Context, actor audit.Actor, tenantID int64, in ConnectionInput) (Connection, error) {
	sealed, err := s.seal(in.Provider, in.ExternalID, in.Credentials)
	if err != nil {
		return Connection{}, err
	}
	var c Connection
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err = s.upsert(ctx, tx, actor, tenantID, in, sealed)
		return err
	})
	return c, err
}

// upsert saves the tenant's link of a POS account within tx and audits it.
// The tenant's row of the account, linked or not, is updated in place, so
// that one account keeps one history per tenant. The unique index of
// linked accounts refuses a second tenant while the account is linked:
// concurrent links of it by two tenants cannot both win.
func (s *Store) upsert(ctx context.Context, tx pgx.Tx, actor audit.Actor, tenantID int64, in ConnectionInput, sealed []byte) (Connection, error) {
	var expires any
	if !in.AccessExpiresAt.IsZero() {
		expires = in.AccessExpiresAt
	}
	status := in.Status
	if status == "" {
		status = Active
	}
	c, err := scanConnection(tx.QueryRow(ctx, `
		INSERT INTO pos_connections (tenant_id, provider, external_id, name, memo, auth_kind, credentials, access_expires_at,
		                             status, status_detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT ON CONSTRAINT pos_connections_tenant_account_key DO UPDATE
		SET name = excluded.name, memo = excluded.memo, auth_kind = excluded.auth_kind,
		    credentials = excluded.credentials, credentials_version = pos_connections.credentials_version + 1,
		    access_expires_at = excluded.access_expires_at, status = excluded.status, status_detail = excluded.status_detail,
		    names_checked_at = NULL, updated_at = now(),
		    linked_at = CASE WHEN pos_connections.status = 'unlinked' THEN now() ELSE pos_connections.linked_at END
		RETURNING `+connectionColumns,
		tenantID, in.Provider, in.ExternalID, textcheck.Clip(in.Name, 200), textcheck.Clip(in.Memo, 200), in.AuthKind, sealed, expires,
		status, textcheck.Clip(in.StatusDetail, 500)))
	if db.IsUniqueViolation(err, "pos_connections_linked_account") {
		return Connection{}, ErrOtherTenant
	}
	if err != nil {
		return Connection{}, fmt.Errorf("save connection: %w", err)
	}
	action := "link.create"
	if c.Renewed() {
		action = "link.update"
	}
	details := map[string]any{"provider": string(in.Provider), "external_id": in.ExternalID, "auth_kind": string(in.AuthKind)}
	if status != Active {
		details["status"] = string(status)
	}
	if err := audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: action, TenantID: tenantID,
		Target: fmt.Sprintf("connection:%d", c.ID), Details: details}); err != nil {
		return Connection{}, err
	}
	return c, nil
}

// Connections lists the tenant's connections to a provider.
func (s *Store) Connections(ctx context.Context, tenantID int64, p Provider) ([]Connection, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE tenant_id = $1 AND provider = $2 AND `+linked+` ORDER BY id`, tenantID, p)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Connection, error) { return scanConnection(r) })
}

// Connection returns one of the tenant's connections.
func (s *Store) Connection(ctx context.Context, tenantID, id int64) (Connection, error) {
	c, err := scanConnection(s.pool.QueryRow(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE tenant_id = $1 AND id = $2 AND `+linked, tenantID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	return c, err
}

// Credentials opens a connection's credentials into dst and returns the
// version they are at, for UpdateCredentials.
func (s *Store) Credentials(ctx context.Context, tenantID, id int64, dst any) (int, error) {
	var p Provider
	var ext string
	var sealed []byte
	var version int
	err := s.pool.QueryRow(ctx, `SELECT provider, external_id, credentials, credentials_version
		FROM pos_connections WHERE tenant_id = $1 AND id = $2 AND `+linked, tenantID, id).Scan(&p, &ext, &sealed, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("read credentials: %w", err)
	}
	return version, s.open(p, ext, sealed, dst)
}

func (s *Store) open(p Provider, ext string, sealed []byte, dst any) error {
	b, err := s.keys.Open(sealed, aad(p, ext))
	if err != nil {
		return fmt.Errorf("open credentials of %s %s: %w", p, ext, err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("decode credentials of %s %s: %w", p, ext, err)
	}
	return nil
}

// UpdateCredentials replaces a connection's credentials if they are still
// at version: a token refresh whose rotated tokens another instance saved
// first gets ErrCredentialsRaced and must not overwrite them.
func (s *Store) UpdateCredentials(ctx context.Context, tenantID, id int64, version int, creds any, accessExpiresAt time.Time) error {
	c, err := s.Connection(ctx, tenantID, id)
	if err != nil {
		return err
	}
	sealed, err := s.seal(c.Provider, c.ExternalID, creds)
	if err != nil {
		return err
	}
	var expires any
	if !accessExpiresAt.IsZero() {
		expires = accessExpiresAt
	}
	tag, err := s.pool.Exec(ctx, `UPDATE pos_connections
		SET credentials = $4, credentials_version = credentials_version + 1, access_expires_at = $5,
		    status = 'active', status_detail = '', updated_at = now()
		WHERE tenant_id = $1 AND id = $2 AND credentials_version = $3 AND `+linked, tenantID, id, version, sealed, expires)
	if err != nil {
		return fmt.Errorf("update credentials: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrCredentialsRaced
	}
	return nil
}

// SetStatus marks a connection, e.g. 要再認証 after a refused refresh. detail
// is for support staff and must hold no secret.
func (s *Store) SetStatus(ctx context.Context, actor audit.Actor, tenantID, id int64, st Status, detail string) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE pos_connections SET status = $3, status_detail = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND `+linked+` AND (status <> $3 OR status_detail <> $4)`,
			tenantID, id, st, textcheck.Clip(detail, 500))
		if err != nil {
			return fmt.Errorf("set connection status: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.status", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", id), Details: map[string]any{"status": string(st), "detail": textcheck.Clip(detail, 500)}})
	})
}

// Delete is 連携解除: it forgets the connection's credentials and ends its
// bindings (the link only: cameras and the camera service stay). Nothing is
// deleted: the bindings are the history that transactions are matched
// against, and a re-link of the account by the tenant continues it. seen
// are the IDs of the bindings the person saw: when the connection's
// current bindings are others now, nothing changes and the answer is
// ErrChanged.
func (s *Store) Delete(ctx context.Context, actor audit.Actor, tenantID, id int64, seen []int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		at, err := lockConnection(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		if err := checkAllSeen(ctx, tx, tenantID, id, seen); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE terminal_bindings SET unbound_at = $3
			WHERE tenant_id = $1 AND connection_id = $2 AND unbound_at IS NULL
			RETURNING terminal_key, terminal_name, camera_id`, tenantID, id, at)
		if err != nil {
			return fmt.Errorf("end bindings of connection: %w", err)
		}
		ended, err := collectEnded(rows)
		if err != nil {
			return fmt.Errorf("end bindings of connection: %w", err)
		}
		var p Provider
		var ext string
		err = tx.QueryRow(ctx, `UPDATE pos_connections
			SET credentials = NULL, access_expires_at = NULL, status = 'unlinked', status_detail = '',
			    credentials_version = credentials_version + 1, names_checked_at = NULL, updated_at = now()
			WHERE tenant_id = $1 AND id = $2
			RETURNING provider, external_id`, tenantID, id).Scan(&p, &ext)
		if err != nil {
			return fmt.Errorf("unlink connection: %w", err)
		}
		details := endedDetails(ended)
		details["provider"], details["external_id"] = string(p), ext
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.delete", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", id), Details: details})
	})
}

// DueForRefresh lists active OAuth connections whose access token expires
// before the given time, across tenants, for the background refresher.
func (s *Store) DueForRefresh(ctx context.Context, before time.Time, limit int) ([]Connection, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE status = 'active' AND auth_kind = 'oauth2' AND access_expires_at < $1
		ORDER BY access_expires_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list connections due for refresh: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Connection, error) { return scanConnection(r) })
}

// ParseID reads a connection or camera ID from a form or URL.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// Pool is the store's database pool, for tests and the audit log.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Now is the store's clock, for the services built on it: one clock for
// the domain.
func (s *Store) Now() time.Time { return s.now() }
