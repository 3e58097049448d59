package link

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
)

// ErrLinkedOtherwise is an import of a POS account that the tenant already
// links with another kind of credentials: an import carries over what
// existed elsewhere and must not replace what the owner set up here.
var ErrLinkedOtherwise = errors.New("the POS account is linked already with other credentials")

// ImportBinding is a terminal of an imported link and the camera it feeds.
type ImportBinding struct {
	Terminal Terminal
	CameraID int64
}

// Import saves a link brought over from another system with its bindings,
// in one transaction: the connection, every binding and their audit
// entries are all saved, or nothing is. Every camera must be the tenant's
// and usable today (checked before anything is written). Importing again
// updates the credentials and binds as given, keeping other bindings; a
// link the tenant deleted is revived and its history continues. The
// account linked by another tenant is refused with ErrOtherTenant, and one
// the tenant links with another AuthKind with ErrLinkedOtherwise.
func (s *Store) Import(ctx context.Context, actor audit.Actor, tenantID int64, in ConnectionInput, bindings []ImportBinding) (Connection, error) {
	for _, b := range bindings {
		if err := s.checkCamera(ctx, tenantID, b.CameraID); err != nil {
			return Connection{}, fmt.Errorf("camera %d of terminal %s: %w", b.CameraID, b.Terminal.Key, err)
		}
	}
	sealed, err := s.seal(in.Provider, in.ExternalID, in.Credentials)
	if err != nil {
		return Connection{}, err
	}
	var c Connection
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var kind AuthKind
		err := tx.QueryRow(ctx, `SELECT auth_kind FROM pos_connections
			WHERE tenant_id = $1 AND provider = $2 AND external_id = $3 AND `+linked+` FOR UPDATE`,
			tenantID, in.Provider, in.ExternalID).Scan(&kind)
		switch {
		case err == nil && kind != in.AuthKind:
			return ErrLinkedOtherwise
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("read existing link: %w", err)
		}
		// The upsert holds the connection's row lock for the bindings.
		if c, err = s.upsert(ctx, tx, actor, tenantID, in, sealed); err != nil {
			return err
		}
		at, err := dbNow(ctx, tx)
		if err != nil {
			return err
		}
		for _, b := range bindings {
			if err := bindTx(ctx, tx, actor, tenantID, c.ID, b.Terminal, b.CameraID, AnyBinding, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}
