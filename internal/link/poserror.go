package link

import (
	"math"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// CredsSource says whose credentials a failed call to a provider used,
// which changes what a refusal tells the owner.
type CredsSource int

const (
	// EnteredCreds were given just now: typed on a form, or a code that
	// Ubiregi has just granted. A refusal is a mistake to correct.
	EnteredCreds CredsSource = iota + 1
	// StoredCreds are a link's: a refusal means the link needs the owner
	// (要更新, 要再認証).
	StoredCreds
)

// ProviderError turns a failed call to a provider — Ubiregi, Smaregi or
// the camera cloud (a *pos.Error) — into what the owner is told, naming
// the provider that failed: the kind, the message and, for a rate limit or
// a recording not yet readable, the wait. The cause stays inside for the
// log. Any other error, including one already told (an *apperr.Error),
// comes back as it is.
func ProviderError(err error, from CredsSource) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	e, ok := pos.AsError(err)
	if !ok {
		return err
	}
	var ae *apperr.Error
	switch e.Provider {
	case ubiregi.Provider:
		ae = ubiregiMessage(e, from)
	case smaregi.Provider:
		ae = smaregiMessage(e, from)
	case camera.Provider:
		ae = cameraMessage(e)
	default:
		return err
	}
	ae.Err = err
	if e.Class == pos.RateLimited || e.Reason == camera.ReasonNotYetAvailable {
		ae.RetryAfter = e.RetryAfter
	}
	return ae
}

// cameraMessage is the owner's message for a failure of the camera cloud.
// The key is the portal's, not the owner's: a refusal is support's to fix.
func cameraMessage(e *pos.Error) *apperr.Error {
	switch {
	case e.Reason == camera.ReasonNoRecording:
		return apperr.New(apperr.NotFound, "camera.err.no_recording")
	case e.Reason == camera.ReasonNotYetAvailable:
		return apperr.New(apperr.Unavailable, "camera.err.not_yet", seconds(e.RetryAfter))
	case e.Class == pos.Unavailable:
		return apperr.New(apperr.Unavailable, "camera.err.unavailable")
	case e.Class == pos.RateLimited:
		return apperr.New(apperr.Throttled, "camera.err.rate_limited", seconds(e.RetryAfter))
	case e.Class == pos.CredentialsRefused:
		return apperr.New(apperr.Unavailable, "camera.err.key_refused")
	case e.Class == pos.NotFound:
		return apperr.New(apperr.Unavailable, "camera.err.device_not_found")
	}
	return apperr.New(apperr.Unavailable, "camera.err.malformed")
}

// ubiregiMessage is the owner's message for a failure of Ubiregi.
func ubiregiMessage(e *pos.Error, from CredsSource) *apperr.Error {
	switch e.Class {
	case pos.Unavailable:
		return apperr.New(apperr.Unavailable, "err.ubiregi_unavailable")
	case pos.RateLimited:
		return apperr.New(apperr.Throttled, "err.ubiregi_rate_limited", seconds(e.RetryAfter))
	case pos.CredentialsRefused:
		switch e.Reason {
		case ubiregi.ReasonInvalidGrant:
			if from == EnteredCreds {
				return apperr.New(apperr.Invalid, "err.ubiregi_code_invalid")
			}
			return apperr.New(apperr.Conflict, "err.ubiregi_reauth")
		case ubiregi.ReasonInvalidClient, ubiregi.ReasonUnauthorizedClient:
			// The portal's own registration is wrong: no owner can fix it.
			return apperr.New(apperr.Unavailable, "err.ubiregi_client")
		case ubiregi.ReasonSubscription:
			return apperr.New(apperr.Unavailable, "err.ubiregi_subscription")
		}
	}
	// Malformed, NotFound, a refusal Ubiregi does not document, or an
	// access token refused that the flow could not replace: Ubiregi is
	// not answering as it should.
	return apperr.New(apperr.Unavailable, "err.ubiregi_malformed")
}

// smaregiMessage is the owner's message for a failure of Smaregi.
func smaregiMessage(e *pos.Error, from CredsSource) *apperr.Error {
	switch e.Class {
	case pos.Unavailable:
		if e.Waited > 0 {
			return apperr.New(apperr.Unavailable, "smaregi.err.timeout", seconds(e.Waited))
		}
	case pos.RateLimited:
		return apperr.New(apperr.Throttled, "smaregi.err.rate_limited", seconds(e.RetryAfter))
	case pos.NotFound:
		return apperr.New(apperr.Invalid, "smaregi.err.contract_not_found", e.Account)
	case pos.CredentialsRefused:
		switch e.Reason {
		case smaregi.ReasonScope:
			return apperr.New(apperr.Invalid, "smaregi.err.scope")
		case smaregi.ReasonLegacyToken:
			return apperr.New(apperr.Invalid, "smaregi.err.legacy_token")
		case smaregi.ReasonLegacyRetired:
			return apperr.New(apperr.Invalid, "smaregi.err.legacy_retired")
		case smaregi.ReasonLegacyRefused:
			return apperr.New(apperr.Unavailable, "smaregi.err.legacy_refused", e.Code)
		}
		if from == EnteredCreds {
			return apperr.New(apperr.Invalid, "smaregi.err.credentials")
		}
		return apperr.New(apperr.Invalid, "smaregi.err.stored_credentials")
	}
	// Down, failing, a bad answer, or a token refused right after it was
	// issued.
	return apperr.New(apperr.Unavailable, "smaregi.err.unavailable")
}

// seconds is a wait in whole seconds for a message, rounded up.
func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
