package smaregilink

import (
	"context"
	"errors"
	"math"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// The errors of this package that are not Smaregi's answers.
var (
	// ErrUpdateFirst: a link on the old credentials past the cut-over (or
	// whose credentials Smaregi refused) must be updated before its
	// terminals can be changed.
	ErrUpdateFirst = apperr.New(apperr.Invalid, "smaregi.err.update_first")
	// ErrAlreadyMigrated: an import of old credentials for a contract the
	// tenant already links with client credentials.
	ErrAlreadyMigrated = apperr.New(apperr.Conflict, "smaregi.err.already_migrated")
)

// credsFrom says whose credentials a failed call used, which changes what
// the owner is told about a refusal.
type credsFrom bool

const (
	typedCreds  credsFrom = true  // what the owner has just entered
	storedCreds credsFrom = false // what is stored for the link
)

// userError turns a failed call to Smaregi into the message the owner
// reads. Failures that are Smaregi's (outage, slowness, garbage) are logged;
// the owner's (wrong secret, missing scope) are not worth a log line.
// Nothing here ever holds a secret: smaregi.Error does not.
func (s *Service) userError(ctx context.Context, contractID string, err error, from credsFrom) error {
	e, ok := smaregi.AsError(err)
	if !ok {
		return err // an internal failure: the caller's 500 logs it
	}
	warn := func() { s.log.WarnContext(ctx, "smaregi call failed", "contract_id", contractID, "err", err) }
	switch {
	case errors.Is(err, smaregi.ErrCredentials):
		if from == storedCreds {
			return apperr.Wrap(apperr.Invalid, err, "smaregi.err.stored_credentials")
		}
		return &apperr.Error{Kind: apperr.Invalid, Key: "smaregi.err.credentials", Err: err,
			Fields: map[string]string{FieldClientID: "smaregi.err.check_field", FieldClientSecret: "smaregi.err.check_field"}}
	case errors.Is(err, smaregi.ErrContractNotFound):
		ae := &apperr.Error{Kind: apperr.Invalid, Key: "smaregi.err.contract_not_found", Args: []any{contractID}, Err: err}
		if from == typedCreds {
			ae.Fields = map[string]string{FieldContractID: "smaregi.err.check_field"}
		}
		return ae
	case errors.Is(err, smaregi.ErrScope):
		return apperr.Wrap(apperr.Invalid, err, "smaregi.err.scope")
	case errors.Is(err, smaregi.ErrRateLimited):
		return apperr.Wrap(apperr.Throttled, err, "smaregi.err.rate_limited", int(math.Ceil(e.RetryAfter.Seconds())))
	case errors.Is(err, smaregi.ErrTimeout):
		warn()
		return apperr.Wrap(apperr.Unavailable, err, "smaregi.err.timeout", int(math.Ceil(s.timeout.Seconds())))
	case errors.Is(err, smaregi.ErrLegacyToken):
		return apperr.Wrap(apperr.Invalid, err, "smaregi.err.legacy_token")
	case errors.Is(err, smaregi.ErrLegacyRetired):
		return apperr.Wrap(apperr.Invalid, err, "smaregi.err.legacy_retired")
	case errors.Is(err, smaregi.ErrLegacyRefused):
		warn()
		return apperr.Wrap(apperr.Unavailable, err, "smaregi.err.legacy_refused", e.Code)
	default: // unavailable, a bad answer, a fresh token refused
		warn()
		return apperr.Wrap(apperr.Unavailable, err, "smaregi.err.unavailable")
	}
}
