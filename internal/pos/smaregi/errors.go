package smaregi

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// What can go wrong when talking to Smaregi. An *Error wraps one of them.
var (
	// ErrCredentials: the token endpoint refused the client ID and secret (401).
	ErrCredentials = errors.New("client credentials refused")
	// ErrContractNotFound: no such contract (404 on the token endpoint, or
	// the legacy API's error 14).
	ErrContractNotFound = errors.New("contract not found")
	// ErrScope: a scope was not granted to the app (400 on the token
	// endpoint, 403 on the API, or a token granting fewer scopes).
	ErrScope = errors.New("scope not granted")
	// ErrTokenRejected: the API refused an access token that was issued
	// (401: expired or revoked); get a new one.
	ErrTokenRejected = errors.New("access token rejected")
	// ErrRateLimited: 429; Error.RetryAfter says when to try again.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: Smaregi answered 5xx or could not be reached.
	ErrUnavailable = errors.New("service unavailable")
	// ErrTimeout: no answer within the client's time limit.
	ErrTimeout = errors.New("no answer in time")
	// ErrBadResponse: an answer that is not what the API documents.
	ErrBadResponse = errors.New("unexpected response")
	// ErrLegacyToken: the legacy API refused the access token (error 13 or 21).
	ErrLegacyToken = errors.New("legacy access token refused")
	// ErrLegacyRetired: the legacy API no longer serves (410, error 23).
	ErrLegacyRetired = errors.New("legacy API retired")
	// ErrLegacyRefused: the legacy API refused for another reason (locked
	// contract, function disabled, unknown IP address …); Error.Code says which.
	ErrLegacyRefused = errors.New("legacy API refused the request")
)

// Error is a failed call: which call, what Smaregi answered, and the kind
// of failure (Err, one of the sentinels above).
type Error struct {
	// Op names the call: "token", "stores", "terminals", "legacy store_ref".
	Op     string
	Status int // HTTP status, 0 when there was no answer
	// Code is the legacy API's error_code.
	Code string
	// Detail is Smaregi's own explanation (problem detail or
	// error_description), shortened; it never holds a secret of ours.
	Detail string
	// RetryAfter is the wait Smaregi asked for with a 429.
	RetryAfter time.Duration
	// Missing lists the requested scopes a token was issued without.
	Missing []string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "smaregi %s: %v", e.Op, e.Err)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", error_code %s", e.Code)
		}
		b.WriteString(")")
	}
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, " missing %s", strings.Join(e.Missing, " "))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " retry after %v", e.RetryAfter)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
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

// maxDetail bounds how much of Smaregi's explanation an error keeps: enough
// for a log line, not a whole HTML error page.
const maxDetail = 300

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxDetail {
		return string(r[:maxDetail]) + "…"
	}
	return s
}
