package smaregilink

import (
	"context"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// The errors of this package that are not Smaregi's answers.
var (
	// ErrUpdateFirst: a link on the old credentials past the cut-over (or
	// whose old access token Smaregi refused) must be updated before its
	// terminals can be changed.
	ErrUpdateFirst = apperr.New(apperr.Invalid, "smaregi.err.update_first")
	// ErrAlreadyMigrated: an import of old credentials for a contract the
	// tenant already links with client credentials.
	ErrAlreadyMigrated = apperr.New(apperr.Conflict, "smaregi.err.already_migrated")
)

// credsFrom says whose credentials a failed call used, which changes what
// the owner is told about a refusal.
type credsFrom = link.CredsSource

const (
	typedCreds  = link.EnteredCreds // what the owner has just entered
	storedCreds = link.StoredCreds  // what is stored for the link
)

// userError turns a failed call to Smaregi into the message the owner
// reads (link.ProviderError), pointing the form's fields at typed
// credentials Smaregi refused. Failures that are Smaregi's (outage,
// slowness, garbage, a refusal of its API settings) are logged; the
// owner's (wrong secret, missing scope) are not worth a log line. Nothing
// here ever holds a secret: a *pos.Error does not.
func (s *Service) userError(ctx context.Context, contractID string, err error, from credsFrom) error {
	e, ok := pos.AsError(err)
	if !ok {
		return err // an internal failure: the caller's 500 logs it
	}
	shown := link.ProviderError(err, from)
	switch {
	case e.Class == pos.Unavailable, e.Class == pos.Malformed, e.Class == pos.TokenRefused,
		e.Reason == smaregi.ReasonLegacyRefused:
		s.log.WarnContext(ctx, "smaregi call failed", "contract_id", contractID, "err", err)
	}
	ae, ok := apperr.As(shown)
	if !ok || from != typedCreds {
		return shown
	}
	switch {
	case e.Reason == smaregi.ReasonCredentials:
		ae.Fields = map[string]string{FieldClientID: "smaregi.err.check_field", FieldClientSecret: "smaregi.err.check_field"}
	case e.Class == pos.NotFound:
		ae.Fields = map[string]string{FieldContractID: "smaregi.err.check_field"}
	}
	return shown
}
