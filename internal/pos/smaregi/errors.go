package smaregi

import (
	"github.com/poslink/poslink/internal/pos"
)

// Provider is this client's name in a *pos.Error.
const Provider = "smaregi"

// The reasons this client gives a refusal (pos.Error.Reason), for the
// flows that tell the owner which of their settings to fix.
const (
	// ReasonCredentials: the token endpoint refused the client ID and
	// secret (401). CredentialsRefused.
	ReasonCredentials = "credentials"
	// ReasonScope: a scope was not granted to the app (400 on the token
	// endpoint, 403 on the API, or a token granting fewer scopes; Detail
	// names the missing ones). CredentialsRefused.
	ReasonScope = "scope"
	// ReasonContract: no such contract (404 on the token endpoint or the
	// API, or the legacy API's error 14). NotFound.
	ReasonContract = "contract"
	// ReasonLegacyToken: the legacy API refused the access token (error 13
	// or 21). CredentialsRefused.
	ReasonLegacyToken = "legacy_token"
	// ReasonLegacyRetired: the legacy API no longer serves (410, error 23).
	// CredentialsRefused: only new credentials help.
	ReasonLegacyRetired = "legacy_retired"
	// ReasonLegacyRefused: the legacy API refused for another reason
	// (locked contract, function disabled, unknown IP address …); Code says
	// which. CredentialsRefused: the shop's API settings must change.
	ReasonLegacyRefused = "legacy_refused"
)

// call is one call of the client, for the errors it fails with.
type call struct {
	op       string // "token", "stores", "terminals", "legacy store_ref"
	contract string
}

// fail is a failure of the call.
func (k call) fail(status int, class pos.Class, reason, detail string) *pos.Error {
	return &pos.Error{Provider: Provider, Op: k.op, Account: k.contract, Status: status, Class: class,
		Reason: reason, Detail: pos.Shorten(detail)}
}
