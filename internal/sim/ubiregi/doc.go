// Package ubiregi is a simulated Ubiregi (ユビレジ): the OAuth2 authorization
// server of ubiregi.com (consent page, token endpoint with refresh-token
// rotation) and the read side of API v3 that poslink uses
// (accounts/current and the checkouts collection with since/until/glb
// paging), as documented and as observed in real responses (see
// ../../../../shared/pos-apis.md §1, kept beside the project).
//
// Nothing about a sale is stored: checkouts are computed on demand from the
// shop generator (internal/sim/shop) for the account's devices, so an
// account range of any size costs constant memory. What is stored is what
// a real server would keep per user action: registered client apps,
// explicitly created accounts, grants and their tokens, consents, sessions.
//
// Where the real behaviour is unknown the simulator follows the labelled
// assumptions of pos-apis.md §5; the code marks each with "ASSUMPTION:".
//
// Control: a Go API on *Server (RegisterClient, CreateAccount, SetSynthetic,
// IssueToken, RevokeToken, RevokeAccount, SetExpired, SetRateLimit, Faults)
// and the same as JSON under /_sim/ (see admin.go).
package ubiregi
