// Package pos is what the clients of poslink's providers share — the
// cloud POS providers (pos/ubiregi, pos/smaregi) and the camera cloud
// (internal/camera): the few classes every failure of a call to a
// provider falls into, so that the code calling them — the linking flows,
// the poller, the stills fetcher — decides what to do (try again, get a
// new token, stop and ask a person) from the class alone, whichever
// provider answered.
//
// Where a caller must tell situations of one class apart, the provider's
// client names them as reasons (Error.Reason, HasReason) with constants of
// its own: the camera cloud's "no recording at that moment" is a NotFound
// and its "recording not yet readable" an Unavailable with RetryAfter
// (camera.ReasonNoRecording, camera.ReasonNotYetAvailable).
package pos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/textcheck"
)

// Class is what a failed call means for its caller.
type Class int

// The classes of failure. The zero Class is an error that is none of the
// providers' (see ClassOf).
const (
	// Unavailable: no answer (connection refused, no answer within the
	// time limit) or a 5xx. Try again later: after Error.RetryAfter when
	// it is set (the camera cloud's recording not yet readable).
	Unavailable Class = iota + 1
	// RateLimited: 429. Try again after Error.RetryAfter.
	RateLimited
	// TokenRefused: the API refused an access token it issued (expired
	// early, revoked). Get a new token from the credentials, then try once
	// more.
	TokenRefused
	// CredentialsRefused: the provider refuses the credentials or the
	// account until a person acts — a wrong or revoked secret or grant, a
	// scope not granted, an expired subscription, a retired API. Trying
	// again changes nothing: stop and tell the owner (or support).
	CredentialsRefused
	// NotFound: the account, contract, device or resource named is not
	// there (for the camera cloud also: nothing recorded at that moment).
	// Stop: it will not appear by trying again.
	NotFound
	// Malformed: the answer was not what the API sends (not JSON, the
	// wrong shape, too large, a status it does not use). Our model of
	// the API or the provider is wrong; try later and tell support.
	Malformed
)

var classNames = map[Class]string{
	Unavailable: "unavailable", RateLimited: "rate limited", TokenRefused: "access token refused",
	CredentialsRefused: "credentials refused", NotFound: "not found", Malformed: "unexpected answer",
}

func (c Class) String() string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return "not a provider's failure"
}

// Error is a failed call to a provider. It never holds a secret: tokens
// and client secrets travel in headers and bodies, never in URLs, and no
// response body is kept beyond a short explanation.
type Error struct {
	// Provider is "ubiregi", "smaregi" or "camera" (the camera cloud);
	// Op names the call.
	Provider string
	Op       string
	// Account is the provider account the call named (a Smaregi contract
	// ID, a camera's device ID), empty when the call names none.
	Account string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	Class  Class
	// Reason is the provider's own word for a refusal, for the flows that
	// must tell refusals of one class apart: an OAuth error code
	// ("invalid_grant", "invalid_client"), or one of the client's Reason
	// constants ("scope", "subscription_expired", "legacy_retired",
	// "no_recording" …).
	Reason string
	// Code is a provider's error code, when it sends one (the legacy
	// Smaregi API's error_code).
	Code string
	// RetryAfter is the wait the provider asked for (RateLimited), or
	// until what was asked for can be read (Unavailable).
	RetryAfter time.Duration
	// Waited is the time limit a call gave up after, when it timed out.
	Waited time.Duration
	// Detail is the provider's explanation, shortened, for logs.
	Detail string
	// Err is the cause of a failure to get an answer (for errors.Is with
	// context.DeadlineExceeded), else nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %v", e.Provider, e.Op, e.Class)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", error_code %s", e.Code)
		}
		b.WriteString(")")
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, " %s", e.Reason)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " retry after %v", e.RetryAfter)
	}
	if e.Waited > 0 {
		fmt.Fprintf(&b, " no answer within %v", e.Waited)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error within err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ClassOf is the class of err; zero when err is not a provider's failure
// (nil, or ours: the database, a bug).
func ClassOf(err error) Class {
	if e, ok := AsError(err); ok {
		return e.Class
	}
	return 0
}

// RetryAfter is how long to wait before asking again, zero when nothing
// was said.
func RetryAfter(err error) time.Duration {
	if e, ok := AsError(err); ok {
		return e.RetryAfter
	}
	return 0
}

// HasReason reports whether err is a provider's failure with that reason.
func HasReason(err error, reason string) bool {
	e, ok := AsError(err)
	return ok && e.Reason == reason
}

// Transport classifies a call that got no (whole) answer: Unavailable,
// with Waited set to limit when the call ran out of time.
func Transport(provider, op string, limit time.Duration, err error) *Error {
	e := &Error{Provider: provider, Op: op, Class: Unavailable, Err: err}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		e.Waited = limit
	}
	return e
}

// StatusClass is what an HTTP error status means when the call has no
// more precise reading of it: 429 rate limited, 5xx unavailable, 401 and
// 403 refused, 404 not found; anything else the API does not send.
func StatusClass(status int) Class {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status >= 500:
		return Unavailable
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return CredentialsRefused
	case status == http.StatusNotFound:
		return NotFound
	}
	return Malformed
}

// ParseRetryAfter reads a Retry-After header (seconds, or an HTTP date
// taken against now). Without a usable value one second is assumed; the
// wait is kept within a second and an hour.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	d := time.Second
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), time.Hour)
}

// maxDetail bounds how much of a provider's explanation an error keeps:
// enough for a log line, not a whole HTML error page.
const maxDetail = 300

// Shorten makes a provider's text fit an Error's Detail: one line, at
// most maxDetail characters, cleaned as stored text is (textcheck.Clip: no
// NUL or other control or direction character, valid UTF-8), since a
// failure's detail is stored (a poll's or a still's last error).
func Shorten(s string) string {
	s = strings.Join(strings.Fields(textcheck.Clip(s, len(s))), " ")
	if r := []rune(s); len(r) > maxDetail {
		return string(r[:maxDetail]) + "…"
	}
	return s
}
