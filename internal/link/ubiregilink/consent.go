package ubiregilink

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
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
	if err != nil {
		// The code is the owner's entry: a refused one is theirs to retry.
		return link.Connection{}, link.ProviderError(err, link.EnteredCreds)
	}
	acct, err := s.api.AccountCurrent(ctx, tok.AccessToken)
	if err != nil {
		// A token refused a moment after it was minted is Ubiregi's
		// inconsistency, not the owner's doing: it reads as an unexpected
		// answer.
		return link.Connection{}, link.ProviderError(err, link.StoredCreds)
	}
	if tok.AccountID != 0 && tok.AccountID != acct.ID {
		return link.Connection{}, link.ProviderError(&pos.Error{Provider: ubiregi.Provider, Op: "complete the consent",
			Class: pos.Malformed, Detail: fmt.Sprintf("token of account %d reads account %d", tok.AccountID, acct.ID)}, link.StoredCreds)
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
		"account_id", acct.ID, "relinked", conn.Renewed())
	return conn, nil
}
