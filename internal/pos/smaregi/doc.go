// Package smaregi is poslink's client of スマレジ (Smaregi): the Platform
// API's ID host (app access tokens by client credentials), the POS API's
// stores, terminals and transactions (read by date range and keyset,
// normalized to pos.Transaction: transactions.go, record.go), and the
// legacy スマレジAPI (v2) that links made before 2026-01-24 still hold
// credentials for. It follows the documented
// shapes (../../../shared/pos-apis.md §2), so pointing it at the real hosts
// is a matter of configuration. It knows nothing of the database: callers
// keep credentials and pass them in.
//
// Every failure is a *pos.Error of one of pos's classes, with one of the
// Reason constants below where the class alone does not tell the owner
// what to fix. Secrets never appear in errors: they travel only in
// Authorization headers.
package smaregi
