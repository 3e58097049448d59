package ubiregilink

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// NewConsent returns the secrets of a new authorization request: the state
// that Ubiregi sends back with the code, and the PKCE verifier the code is
// exchanged with. The caller keeps both where only the requesting browser's
// session can reach them.
func NewConsent() (state, verifier string) {
	return rand.Text() + rand.Text(), ubiregi.NewVerifier()
}

// AuthURL is Ubiregi's consent page for the request.
func (s *Service) AuthURL(state, verifier string) string {
	return s.api.AuthCodeURL(state, verifier)
}

// oauthErrorCode is what an OAuth error code may look like (RFC 6749
// §4.1.2.1); anything else coming back in the URL is not repeated to the
// owner.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// AuthorizeError is the error for a callback that came back with Ubiregi's
// error parameter instead of a code: 許可しない, or a refused request.
func AuthorizeError(code string) error {
	if code == "access_denied" {
		return ErrDenied
	}
	if !oauthErrorCode.MatchString(code) {
		code = "unknown"
	}
	return apperr.New(apperr.Invalid, "err.ubiregi_authorize_failed", code)
}

// Complete finishes a consent: it exchanges the code, reads the account it
// grants and links that account to the tenant, or renews the tenant's
// existing link of it (keeping its terminals' cameras). Nothing is saved
// unless all of that worked.
func (s *Service) Complete(ctx context.Context, actor audit.Actor, tenantID int64, code, verifier string) (link.Connection, error) {
	tok, err := s.api.Exchange(ctx, code, verifier)
	var ge *ubiregi.GrantError
	if errors.As(err, &ge) && ge.Code == "invalid_grant" {
		return link.Connection{}, apperr.Wrap(apperr.Invalid, err, ErrCodeInvalid.Key)
	}
	if err != nil {
		return link.Connection{}, apiError(err)
	}
	acct, err := s.api.AccountCurrent(ctx, tok.AccessToken)
	if err != nil {
		// A token refused a moment after it was minted is Ubiregi's
		// inconsistency, not the owner's doing.
		var te *ubiregi.TokenError
		if errors.As(err, &te) {
			err = fmt.Errorf("%w: a new access token was refused", ubiregi.ErrMalformed)
		}
		return link.Connection{}, apiError(err)
	}
	if tok.AccountID != 0 && tok.AccountID != acct.ID {
		return link.Connection{}, apiError(fmt.Errorf("%w: token of account %d reads account %d",
			ubiregi.ErrMalformed, tok.AccountID, acct.ID))
	}
	creds := newCredentials(tok, s.now())
	conn, err := s.links.Save(ctx, actor, tenantID, link.ConnectionInput{
		Provider: link.Ubiregi, ExternalID: strconv.FormatInt(acct.ID, 10), Name: acct.Name,
		AuthKind: link.OAuth2, Credentials: creds, AccessExpiresAt: creds.Expiry,
	})
	if err != nil {
		return link.Connection{}, err
	}
	s.devices.put(tenantID, conn.ID, terminalsOf(acct))
	s.log.InfoContext(ctx, "ubiregi account linked", "tenant_id", tenantID, "connection_id", conn.ID,
		"account_id", acct.ID, "relinked", conn.CredentialsVersion > 1)
	return conn, nil
}
