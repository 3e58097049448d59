package link

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
)

// ErrRefreshBusy is RefreshLocked without waiting finding another instance
// refreshing the same connection.
var ErrRefreshBusy = errors.New("connection being refreshed by another instance")

// Refreshed is what a RefreshLocked callback decided.
type Refreshed struct {
	// Credentials, when not nil, replace the connection's (a rotated token
	// pair), with AccessExpiresAt; the connection is active again.
	Credentials     any
	AccessExpiresAt time.Time
	// Reauth, when not empty, marks the connection 要再認証 with this
	// detail, which must hold no secret.
	Reauth string
}

// RefreshLocked runs a token refresh of a connection under a lock of its
// row: it opens the credentials into dst, calls refresh with the
// connection and saves what refresh decided, in one transaction.
//
// Refreshes of one grant thus run one at a time across instances. Ubiregi
// rotates the refresh token on every use, so two refreshes racing would
// have the second refused, or, saved in the wrong order, leave a dead
// token stored. Under the lock the second one sees the first one's
// tokens, with their new expiry, and need not refresh at all.
//
// With wait false a row locked by another refresher is skipped with
// ErrRefreshBusy (the background refresher has other work); with wait
// true the call queues behind it (a page needs the token). The lock is
// held while refresh calls the provider, which the caller bounds in time.
func (s *Store) RefreshLocked(ctx context.Context, actor audit.Actor, tenantID, id int64, dst any, wait bool,
	refresh func(Connection) (Refreshed, error)) error {
	lock := "FOR UPDATE"
	if !wait {
		lock += " SKIP LOCKED"
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var sealed []byte
		err := tx.QueryRow(ctx, `SELECT credentials FROM pos_connections WHERE tenant_id = $1 AND id = $2 `+lock,
			tenantID, id).Scan(&sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			if wait {
				return ErrNotFound
			}
			if _, err := s.Connection(ctx, tenantID, id); err != nil {
				return err
			}
			return ErrRefreshBusy
		}
		if err != nil {
			return fmt.Errorf("lock connection for refresh: %w", err)
		}
		c, err := scanConnection(tx.QueryRow(ctx, `SELECT `+connectionColumns+` FROM pos_connections
			WHERE tenant_id = $1 AND id = $2`, tenantID, id))
		if err != nil {
			return fmt.Errorf("read locked connection: %w", err)
		}
		if err := s.open(c.Provider, c.ExternalID, sealed, dst); err != nil {
			return err
		}
		r, err := refresh(c)
		if err != nil {
			return err
		}
		switch {
		case r.Credentials != nil:
			return s.saveRefreshed(ctx, tx, c, r)
		case r.Reauth != "":
			return s.markReauth(ctx, tx, actor, c, r.Reauth)
		}
		return nil
	})
}

func (s *Store) saveRefreshed(ctx context.Context, tx pgx.Tx, c Connection, r Refreshed) error {
	sealed, err := s.seal(c.Provider, c.ExternalID, r.Credentials)
	if err != nil {
		return err
	}
	var expires any
	if !r.AccessExpiresAt.IsZero() {
		expires = r.AccessExpiresAt
	}
	if _, err := tx.Exec(ctx, `UPDATE pos_connections
		SET credentials = $3, credentials_version = credentials_version + 1, access_expires_at = $4,
		    status = 'active', status_detail = '', updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, c.TenantID, c.ID, sealed, expires); err != nil {
		return fmt.Errorf("save refreshed credentials: %w", err)
	}
	return nil
}

func (s *Store) markReauth(ctx context.Context, tx pgx.Tx, actor audit.Actor, c Connection, detail string) error {
	if c.Status == ReauthRequired {
		return nil
	}
	detail = clip(detail, 500)
	if _, err := tx.Exec(ctx, `UPDATE pos_connections SET status = $3, status_detail = $4, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, c.TenantID, c.ID, ReauthRequired, detail); err != nil {
		return fmt.Errorf("mark connection for re-authorization: %w", err)
	}
	return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.status", TenantID: c.TenantID,
		Target: fmt.Sprintf("connection:%d", c.ID), Details: map[string]any{"status": string(ReauthRequired), "detail": detail}})
}
