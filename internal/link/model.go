// Package link holds the POS connections of a tenant (a linked Ubiregi
// account or Smaregi contract, with its sealed credentials) and which camera
// each of their terminals feeds — the rules of the manuals: a camera has one
// or many terminals, a terminal feeds one camera at a time, and only a camera
// whose POS option is usable today can be chosen.
package link

import (
	"time"
)

// Provider is a cloud POS service.
type Provider string

// The providers poslink links.
const (
	Ubiregi Provider = "ubiregi"
	Smaregi Provider = "smaregi"
)

// AuthKind is how a connection authenticates.
type AuthKind string

// The ways of authenticating.
const (
	OAuth2            AuthKind = "oauth2"             // Ubiregi: access and refresh tokens
	ClientCredentials AuthKind = "client_credentials" // Smaregi Platform API
	LegacyToken       AuthKind = "legacy_token"       // Smaregi's old API (before 2026-01-24)
)

// Status is whether a connection works.
type Status string

// The states of a connection.
const (
	Active         Status = "active"
	ReauthRequired Status = "reauth_required" // 要再認証: the grant was refused
	UpdateRequired Status = "update_required" // 要更新: old credentials past the cut-over
	// Unlinked: the owner deleted the link. The row stays, without
	// credentials and with its bindings ended, so that the history of which
	// camera each terminal fed survives; no list or page shows it, and a
	// re-link of the same POS account by the same tenant revives it.
	Unlinked Status = "unlinked"
)

// Connection is a linked POS account of a tenant. Its credentials are not
// here: they are read (and opened) only by the code that calls the provider.
type Connection struct {
	ID              int64
	TenantID        int64
	Provider        Provider
	ExternalID      string // Ubiregi account ID, Smaregi contract ID
	Name            string
	Memo            string
	AuthKind        AuthKind
	Status          Status
	StatusDetail    string
	AccessExpiresAt time.Time // zero when not known
	// CredentialsVersion changes with every credentials change.
	CredentialsVersion int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// LinkedAt is when the current link began: its creation, or a re-link
	// after it was deleted.
	LinkedAt time.Time
}

// Renewed reports whether saving the connection renewed an existing link
// (new credentials for a link the tenant had) rather than starting one; it
// holds for the connection Save returns.
func (c Connection) Renewed() bool { return c.UpdatedAt.After(c.LinkedAt) }

// Terminal is a register of a POS account, as the provider lists it.
type Terminal struct {
	// Key identifies it within its connection: Ubiregi's device GUID,
	// Smaregi's "storeId:terminalId".
	Key   string
	Name  string
	Store string
}

// Binding is a terminal feeding a camera, from BoundAt.
type Binding struct {
	ID           int64
	ConnectionID int64
	Terminal     Terminal
	CameraID     int64
	BoundAt      time.Time
	// GoneAt is when the provider stopped listing the terminal (zero while
	// it lists it): the binding is kept and shown as gone.
	GoneAt time.Time
}

// ConnectionInput is what linking saves.
type ConnectionInput struct {
	Provider   Provider
	ExternalID string
	Name       string
	Memo       string
	AuthKind   AuthKind
	// Credentials is JSON-encoded and sealed; never logged or audited.
	Credentials     any
	AccessExpiresAt time.Time
	// Status is what the link starts as (empty: Active), with StatusDetail
	// for support staff; an import of credentials already retired starts
	// UpdateRequired.
	Status       Status
	StatusDetail string
}
