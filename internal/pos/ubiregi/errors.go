package ubiregi

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	"github.com/poslink/poslink/internal/pos"
)

// Provider is this client's name in a *pos.Error.
const Provider = "ubiregi"

// The reasons this client gives a refusal (pos.Error.Reason): the token
// endpoint's OAuth error codes (RFC 6749 §5.2) as Ubiregi sends them, and
// the API's own refusals.
const (
	// ReasonInvalidGrant: an authorization code unknown, expired or used,
	// or a refresh token revoked, rotated or expired. CredentialsRefused.
	ReasonInvalidGrant = "invalid_grant"
	// ReasonInvalidClient and ReasonUnauthorizedClient: the portal's own
	// client registration was refused. CredentialsRefused.
	ReasonInvalidClient      = "invalid_client"
	ReasonUnauthorizedClient = "unauthorized_client"
	// ReasonInvalidToken and ReasonTokenExpired: the API refused the
	// access token (WWW-Authenticate: Bearer error="invalid_token"), as
	// expired when Ubiregi adds expired=true. TokenRefused.
	ReasonInvalidToken = "invalid_token"
	ReasonTokenExpired = "expired"
	// ReasonSubscription: every subscription of the account has expired
	// (402); the API refuses it until they are renewed. CredentialsRefused.
	ReasonSubscription = "subscription_expired"
)

// refusals are the OAuth error codes that refuse the grant or the client,
// as opposed to a request the server did not understand.
var refusals = map[string]bool{
	ReasonInvalidGrant: true, ReasonInvalidClient: true, ReasonUnauthorizedClient: true, "access_denied": true,
}

func fail(op string, status int, class pos.Class, reason, detail string) *pos.Error {
	return &pos.Error{Provider: Provider, Op: op, Status: status, Class: class, Reason: reason, Detail: pos.Shorten(detail)}
}

func malformed(op, why string) *pos.Error { return fail(op, 0, pos.Malformed, "", why) }

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
