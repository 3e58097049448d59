package ubiregi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The classes of failure that carry no detail of their own.
var (
	// ErrUnavailable: Ubiregi could not be reached, did not answer in
	// time, or answered 5xx or 429. Trying later may work.
	ErrUnavailable = errors.New("ubiregi unavailable")
	// ErrMalformed: the answer was not what the API sends (not JSON, the
	// wrong shape, too large, a status it does not use).
	ErrMalformed = errors.New("ubiregi answered with something unexpected")
)

// GrantError is the token endpoint refusing a request (RFC 6749 §5.2):
// "invalid_grant" for a code that is unknown, expired or already used, or
// a refresh token that was revoked, rotated or expired; "invalid_client"
// for wrong client credentials.
type GrantError struct {
	Code   string
	Status int
}

func (e *GrantError) Error() string {
	return fmt.Sprintf("ubiregi token endpoint refused: %s (HTTP %d)", e.Code, e.Status)
}

// TokenError is the API refusing the access token: 401 with
// WWW-Authenticate: Bearer error="invalid_token", and Ubiregi's
// expired=true when it has only expired.
type TokenError struct {
	Expired bool
}

func (e *TokenError) Error() string {
	if e.Expired {
		return "ubiregi refused the access token: expired"
	}
	return "ubiregi refused the access token: invalid"
}

// StatusError is any other refusal of the API: 402 when all subscriptions
// of the account have expired, 403, 404.
type StatusError struct {
	Status int
	// Reason is the first reason of the API's error body, if it had one.
	Reason string
}

func (e *StatusError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("ubiregi answered HTTP %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("ubiregi answered HTTP %d", e.Status)
}

// PaymentRequired reports whether the account's subscriptions have all
// expired (402): the API refuses it until they are renewed.
func (e *StatusError) PaymentRequired() bool { return e.Status == 402 }

// unavailable wraps a transport failure. The cause is kept for errors.Is
// (context.DeadlineExceeded); its text names the URL, which holds no
// secret: tokens travel in headers and bodies only.
func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
}

func malformed(op, why string) error {
	return fmt.Errorf("%s: %w: %s", op, ErrMalformed, why)
}

// isTransport reports whether err is a failure to get an answer at all.
func isTransport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// parseBearerChallenge reads a WWW-Authenticate value such as
// `Bearer error="invalid_token",expired=true` into its parameters, keys
// lower-cased. It is lenient about spaces and quotes, as the header's
// grammar is.
func parseBearerChallenge(h string) (map[string]string, bool) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, false
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return params, true
}
