package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
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
	coalesce(access_expires_at, 'epoch'::timestamptz), credentials_version, created_at, updated_at`

func scanConnection(row pgx.Row) (Connection, error) {
	var c Connection
	err := row.Scan(&c.ID, &c.TenantID, &c.Provider, &c.ExternalID, &c.Name, &c.Memo, &c.AuthKind, &c.Status,
		&c.StatusDetail, &c.AccessExpiresAt, &c.CredentialsVersion, &c.CreatedAt, &c.UpdatedAt)
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

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Save links a POS account to the tenant, or updates the tenant's existing
// link of it (new credentials, status active again) keeping its bindings.
// The same POS account linked by another tenant is refused.
func (s *Store) Save(ctx context.Context, actor audit.Actor, tenantID int64, in ConnectionInput) (Connection, error) {
	sealed, err := s.seal(in.Provider, in.ExternalID, in.Credentials)
	if err != nil {
		return Connection{}, err
	}
	var expires any
	if !in.AccessExpiresAt.IsZero() {
		expires = in.AccessExpiresAt
	}
	var c Connection
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The insert takes the unique key's lock, so two tenants linking the
		// same account at once cannot both win.
		c, err = scanConnection(tx.QueryRow(ctx, `
			INSERT INTO pos_connections (tenant_id, provider, external_id, name, memo, auth_kind, credentials, access_expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (provider, external_id) DO UPDATE
			SET name = excluded.name, memo = excluded.memo, auth_kind = excluded.auth_kind,
			    credentials = excluded.credentials, credentials_version = pos_connections.credentials_version + 1,
			    access_expires_at = excluded.access_expires_at, status = 'active', status_detail = '', updated_at = now()
			WHERE pos_connections.tenant_id = excluded.tenant_id
			RETURNING `+connectionColumns,
			tenantID, in.Provider, in.ExternalID, clip(in.Name, 200), clip(in.Memo, 200), in.AuthKind, sealed, expires))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrOtherTenant
		}
		if err != nil {
			return fmt.Errorf("save connection: %w", err)
		}
		action := "link.update"
		if c.CredentialsVersion == 1 {
			action = "link.create"
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: action, TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", c.ID), Details: map[string]any{
				"provider": string(in.Provider), "external_id": in.ExternalID, "auth_kind": string(in.AuthKind)}})
	})
	return c, err
}

// Connections lists the tenant's connections to a provider.
func (s *Store) Connections(ctx context.Context, tenantID int64, p Provider) ([]Connection, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE tenant_id = $1 AND provider = $2 ORDER BY id`, tenantID, p)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Connection, error) { return scanConnection(r) })
}

// Connection returns one of the tenant's connections.
func (s *Store) Connection(ctx context.Context, tenantID, id int64) (Connection, error) {
	c, err := scanConnection(s.pool.QueryRow(ctx, `SELECT `+connectionColumns+` FROM pos_connections
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
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
		FROM pos_connections WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&p, &ext, &sealed, &version)
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
		WHERE tenant_id = $1 AND id = $2 AND credentials_version = $3`, tenantID, id, version, sealed, expires)
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
			WHERE tenant_id = $1 AND id = $2 AND (status <> $3 OR status_detail <> $4)`,
			tenantID, id, st, clip(detail, 500))
		if err != nil {
			return fmt.Errorf("set connection status: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.status", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", id), Details: map[string]any{"status": string(st), "detail": clip(detail, 500)}})
	})
}

// Delete removes a connection and its bindings (the link only: cameras and
// the camera service stay).
func (s *Store) Delete(ctx context.Context, actor audit.Actor, tenantID, id int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var p Provider
		var ext string
		err := tx.QueryRow(ctx, `DELETE FROM pos_connections WHERE tenant_id = $1 AND id = $2
			RETURNING provider, external_id`, tenantID, id).Scan(&p, &ext)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delete connection: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.delete", TenantID: tenantID,
			Target: fmt.Sprintf("connection:%d", id), Details: map[string]any{"provider": string(p), "external_id": ext}})
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
