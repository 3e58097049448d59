package link

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/textcheck"
)

// ErrRefreshBusy is a refresh that found another instance refreshing the
// same connection and did not wait for it.
var ErrRefreshBusy = errors.New("connection being refreshed by another instance")

// A token refresh of an OAuth grant runs under a lease, not a lock.
//
// Ubiregi rotates the refresh token on every use, so two refreshes of one
// grant racing would have the second refused, or, saved in the wrong
// order, leave a dead token stored: refreshes of a grant must run one at a
// time across instances. A row lock held across the call to the provider
// would do that, but would also hold a pooled connection, and make every
// writer of the row (binding a terminal, 更新) wait on the provider. So the
// refresher claims a lease in a statement of its own (ClaimRefresh), calls
// the provider with no transaction open, saves the rotated tokens with
// compare-and-swap on credentials_version (UpdateCredentials, or
// RefreshRefused) and releases the lease (ReleaseRefresh). A refresher
// that dies leaves a lease that runs out by itself. Leases are taken and
// compared on the database's clock, which every instance shares.

// RefreshClaim is a connection's credentials as a refresher found them,
// and the lease it took, if it took one.
type RefreshClaim struct {
	TenantID, ID int64
	// Version is the credentials_version of the credentials opened.
	Version int
	Status  Status
	owner   string // the lease's holder ID; empty when another holds it
}

// Held reports whether the claim holds the lease.
func (c RefreshClaim) Held() bool { return c.owner != "" }

// ClaimRefresh takes the lease on refreshing a connection's credentials
// for d, unless another holder's lease is still running, and opens the
// credentials into dst, leased or not: a refresher that finds the lease
// taken reads there, once it has changed, the token the holder saved.
func (s *Store) ClaimRefresh(ctx context.Context, tenantID, id int64, d time.Duration, dst any) (RefreshClaim, error) {
	cl := RefreshClaim{TenantID: tenantID, ID: id, owner: rand.Text()}
	var (
		p      Provider
		ext    string
		sealed []byte
	)
	err := s.pool.QueryRow(ctx, `UPDATE pos_connections
		SET refresh_lease_until = now() + $3 * interval '1 millisecond', refresh_lease_owner = $4
		WHERE tenant_id = $1 AND id = $2 AND status <> 'unlinked'
			AND (refresh_lease_until IS NULL OR refresh_lease_until <= now())
		RETURNING provider, external_id, credentials, credentials_version, status`,
		tenantID, id, d.Milliseconds(), cl.owner).Scan(&p, &ext, &sealed, &cl.Version, &cl.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not there, or leased: a statement of its own reads the row as
		// it is now, with whatever the holder has saved meanwhile.
		cl.owner = ""
		err = s.pool.QueryRow(ctx, `SELECT provider, external_id, credentials, credentials_version, status
			FROM pos_connections WHERE tenant_id = $1 AND id = $2 AND status <> 'unlinked'`,
			tenantID, id).Scan(&p, &ext, &sealed, &cl.Version, &cl.Status)
		if errors.Is(err, pgx.ErrNoRows) {
			return RefreshClaim{}, ErrNotFound
		}
	}
	if err != nil {
		return RefreshClaim{}, fmt.Errorf("claim connection for refresh: %w", err)
	}
	if err := s.open(p, ext, sealed, dst); err != nil {
		_ = s.ReleaseRefresh(ctx, cl)
		return RefreshClaim{}, err
	}
	return cl, nil
}

// ReleaseRefresh gives up the claim's lease, if it holds one and still
// holds it.
func (s *Store) ReleaseRefresh(ctx context.Context, c RefreshClaim) error {
	if !c.Held() {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE pos_connections SET refresh_lease_until = NULL, refresh_lease_owner = NULL
		WHERE tenant_id = $1 AND id = $2 AND refresh_lease_owner = $3`, c.TenantID, c.ID, c.owner); err != nil {
		return fmt.Errorf("release refresh lease: %w", err)
	}
	return nil
}

// RefreshRefused marks the connection 要再認証 with detail (which must
// hold no secret) after the provider refused the claim's credentials, and
// releases the claim's lease. Credentials replaced since the claim read
// them (a new consent) are not marked: it returns ErrCredentialsRaced.
func (s *Store) RefreshRefused(ctx context.Context, actor audit.Actor, c RefreshClaim, detail string) error {
	detail = textcheck.Clip(detail, 500)
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			version int
			status  Status
		)
		err := tx.QueryRow(ctx, `SELECT credentials_version, status FROM pos_connections
			WHERE tenant_id = $1 AND id = $2 AND status <> 'unlinked' FOR UPDATE`, c.TenantID, c.ID).Scan(&version, &status)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("read connection to mark: %w", err)
		case version != c.Version:
			return ErrCredentialsRaced
		case status == ReauthRequired:
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE pos_connections SET status = $3, status_detail = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, c.TenantID, c.ID, ReauthRequired, detail); err != nil {
			return fmt.Errorf("mark connection for re-authorization: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "link.status", TenantID: c.TenantID,
			Target: fmt.Sprintf("connection:%d", c.ID), Details: map[string]any{"status": string(ReauthRequired), "detail": detail}})
	})
	return errors.Join(err, s.ReleaseRefresh(ctx, c))
}
