package smaregilink

import (
	"context"
	"fmt"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// Add links a contract (新規設定追加): the credentials are checked at once
// with Smaregi — an app token with pos.transactions:read and
// pos.stores:read, then the contract's register list — and saved, sealed,
// only when both work. Nothing is saved on any error. Adding a contract the
// tenant has already linked updates its credentials and keeps its bindings
// (a link on the old access token thereby moves to the new API); one
// linked by another tenant is refused with link.ErrOtherTenant, but only
// after the credentials proved to be the contract's, so that the refusal
// tells nothing to someone who merely guessed a contract ID.
func (s *Service) Add(ctx context.Context, actor audit.Actor, tenantID int64, in Input) (link.Connection, error) {
	in = in.normalize()
	if err := in.validate(); err != nil {
		return link.Connection{}, err
	}
	return s.verifyAndSave(ctx, actor, tenantID, in)
}

// UpdateCredentials is 連携情報修正: new credentials for a linked contract
// (a reissued secret, another app), checked with Smaregi before they
// replace the old ones. The contract ID is the link's and cannot change. An
// empty secret keeps the stored one, unless the client ID changes or the
// link has none yet (a link on the old access token: this is its move to
// the new API). Bindings are kept.
func (s *Service) UpdateCredentials(ctx context.Context, actor audit.Actor, tenantID, connID int64, in Input) (link.Connection, error) {
	c, err := s.connection(ctx, tenantID, connID)
	if err != nil {
		return link.Connection{}, err
	}
	in = in.normalize()
	in.ContractID = c.ExternalID
	if in.ClientSecret == "" {
		var old credentials
		if _, err := s.links.Credentials(ctx, tenantID, connID, &old); err != nil {
			return link.Connection{}, err
		}
		switch {
		case old.ClientSecret == "":
			// Validation below asks for it.
		case old.ClientID != in.ClientID && in.ClientID != "":
			return link.Connection{}, &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid",
				Fields: map[string]string{FieldClientSecret: "smaregi.err.secret_for_new_client"}}
		default:
			in.ClientSecret = old.ClientSecret
		}
	}
	if err := in.validate(); err != nil {
		return link.Connection{}, err
	}
	return s.verifyAndSave(ctx, actor, tenantID, in)
}

// MigrateLegacy moves a link made with the old API's access token to client
// credentials, keeping its bindings: UpdateCredentials for a link that is
// still on the access token.
func (s *Service) MigrateLegacy(ctx context.Context, actor audit.Actor, tenantID, connID int64, in Input) (link.Connection, error) {
	c, err := s.connection(ctx, tenantID, connID)
	if err != nil {
		return link.Connection{}, err
	}
	if c.AuthKind != link.LegacyToken {
		return link.Connection{}, ErrAlreadyMigrated
	}
	return s.UpdateCredentials(ctx, actor, tenantID, connID, in)
}

// verifyAndSave proves the credentials with Smaregi and saves them.
func (s *Service) verifyAndSave(ctx context.Context, actor audit.Actor, tenantID int64, in Input) (link.Connection, error) {
	creds := smaregi.Credentials{ContractID: in.ContractID, ClientID: in.ClientID, ClientSecret: in.ClientSecret}
	tok, err := s.api.AppToken(ctx, creds, smaregi.Scopes...)
	if err != nil {
		return link.Connection{}, s.userError(ctx, in.ContractID, err, typedCreds)
	}
	// The token endpoint can grant a scope that the API then refuses (a
	// change of the app's settings in between): the register list is what
	// linking needs, so it is the proof.
	if _, err := s.api.Terminals(ctx, in.ContractID, tok.AccessToken, ""); err != nil {
		return link.Connection{}, s.userError(ctx, in.ContractID, err, typedCreds)
	}
	c, err := s.links.Save(ctx, actor, tenantID, link.ConnectionInput{
		Provider: link.Smaregi, ExternalID: in.ContractID, Memo: in.Memo, AuthKind: link.ClientCredentials,
		Credentials: credentials{ClientID: in.ClientID, ClientSecret: in.ClientSecret},
	})
	if err != nil {
		return link.Connection{}, err
	}
	s.keepToken(c, tok)
	return c, nil
}

// connection is the tenant's Smaregi connection; any other is not found.
func (s *Service) connection(ctx context.Context, tenantID, connID int64) (link.Connection, error) {
	c, err := s.links.Connection(ctx, tenantID, connID)
	if err != nil {
		return link.Connection{}, err
	}
	if c.Provider != link.Smaregi {
		return link.Connection{}, link.ErrNotFound
	}
	return c, nil
}

// Delete removes the link of a contract: its credentials are forgotten and
// its bindings ended, their history kept (link.Store.Delete); the cameras
// and the camera service stay. seen are the bindings the confirmation
// showed (link.ErrChanged when they changed since).
func (s *Service) Delete(ctx context.Context, actor audit.Actor, tenantID, connID int64, seen []int64) error {
	if _, err := s.connection(ctx, tenantID, connID); err != nil {
		return err
	}
	if err := s.links.Delete(ctx, actor, tenantID, connID, seen); err != nil {
		return fmt.Errorf("delete smaregi link %d: %w", connID, err)
	}
	s.forgetToken(connID)
	return nil
}

// ClientID is the client ID stored for a link ("" for one on the old
// token), for the 連携情報修正 form. The secret is never returned.
func (s *Service) ClientID(ctx context.Context, tenantID, connID int64) (string, error) {
	if _, err := s.connection(ctx, tenantID, connID); err != nil {
		return "", err
	}
	var cr credentials
	if _, err := s.links.Credentials(ctx, tenantID, connID, &cr); err != nil {
		return "", err
	}
	return cr.ClientID, nil
}
