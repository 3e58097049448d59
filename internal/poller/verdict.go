package poller

import (
	"encoding/json"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
	"github.com/poslink/poslink/internal/textcheck"
	"github.com/poslink/poslink/internal/workloop"
)

// verdict is what a failed poll means for the connection, decided from
// the error's class alone.
type verdict struct {
	// outcome labels the poll in the metrics.
	outcome string
	// stop: polling waits for a person (new credentials, a binding).
	stop bool
	// delay: when to try again, unless stopped.
	delay time.Duration
	// reauth: the owner must consent at Ubiregi again (要再認証).
	reauth bool
}

// The outcomes of a poll, as the metrics label them.
const (
	outcomeOK          = "ok"
	outcomeUnavailable = "unavailable"
	outcomeMalformed   = "malformed"
	outcomeRateLimited = "rate_limited"
	outcomeRefused     = "refused"
	outcomeNotFound    = "not_found"
	outcomeError       = "error"
	outcomeLostLease   = "lost_lease"
	outcomeInterrupted = "interrupted"
	outcomeAbandoned   = "abandoned"
)

// judge decides what a failed poll of l means. Every failure counts toward
// the backoff (and toward showing エラー); a 429 too, so that a provider
// answering nothing but 429 is asked less and less often.
func (p *Poller) judge(l *lease, err error) verdict {
	back := workloop.Backoff(l.failures+1, p.cfg.BackoffBase, p.cfg.BackoffMax)
	e, ok := pos.AsError(err)
	if !ok {
		// Ours (the database, a bug): try again later like an outage.
		return verdict{outcome: outcomeError, delay: back}
	}
	switch e.Class {
	case pos.RateLimited:
		return verdict{outcome: outcomeRateLimited, delay: max(e.RetryAfter, back)}
	case pos.TokenRefused, pos.CredentialsRefused:
		// A token refused twice in a row is refused credentials: a new
		// token from them did not help. Only Ubiregi's grant is marked on
		// the link (要再認証); any other refusal — Smaregi's client
		// credentials above all — stops polling here alone, shown as エラー
		// with the reason, until new credentials clear the stop.
		reauth := l.provider == link.Ubiregi && (e.Class == pos.TokenRefused || e.Reason == ubiregi.ReasonInvalidGrant)
		return verdict{outcome: outcomeRefused, stop: true, reauth: reauth}
	case pos.NotFound:
		return verdict{outcome: outcomeNotFound, stop: true}
	case pos.Malformed:
		return verdict{outcome: outcomeMalformed, delay: back}
	}
	return verdict{outcome: outcomeUnavailable, delay: back}
}

// storedError is a poll's failure as the poll state keeps it: the
// provider's error without its cause (which may be a Go error of any
// kind), and the whole error in words for support. It holds no secret:
// a *pos.Error never does.
type storedError struct {
	Provider   string        `json:"provider,omitempty"`
	Op         string        `json:"op,omitempty"`
	Account    string        `json:"account,omitempty"`
	Status     int           `json:"status,omitempty"`
	Class      pos.Class     `json:"class,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	Code       string        `json:"code,omitempty"`
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	Waited     time.Duration `json:"waited,omitempty"`
	Detail     string        `json:"detail,omitempty"`
	Text       string        `json:"text"`
}

// maxErrorText bounds the words kept of a failure.
const maxErrorText = 500

func encodeError(err error) []byte {
	s := storedError{Text: textcheck.Clip(err.Error(), maxErrorText)}
	if e, ok := pos.AsError(err); ok {
		s.Provider, s.Op, s.Account, s.Status, s.Class = e.Provider, e.Op, e.Account, e.Status, e.Class
		s.Reason, s.RetryAfter, s.Waited, s.Detail = e.Reason, e.RetryAfter, e.Waited, e.Detail
		// The provider's own code is stored as sent, less what jsonb
		// refuses (Detail is cleaned by pos.Shorten).
		s.Code = textcheck.Clip(e.Code, maxErrorText)
	}
	b, _ := json.Marshal(s) // a struct of strings and numbers always encodes
	return b
}

// providerError is the stored failure as the provider's error again, nil
// when it was not the provider's.
func (s storedError) providerError() *pos.Error {
	if s.Class == 0 {
		return nil
	}
	return &pos.Error{Provider: s.Provider, Op: s.Op, Account: s.Account, Status: s.Status, Class: s.Class,
		Reason: s.Reason, Code: s.Code, RetryAfter: s.RetryAfter, Waited: s.Waited, Detail: s.Detail}
}
