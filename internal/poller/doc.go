// Package poller fetches every polled POS connection's transactions into
// PostgreSQL, exactly once, on any number of instances sharing the
// database.
//
// Each connection has a poll state (migrations/00006_poller.sql): when it
// is due, who holds its lease, where its feed continues and how it failed.
// An instance claims due connections in one short statement (FOR UPDATE
// SKIP LOCKED, the database's clock), calls the provider with no lock or
// transaction held, and stores each page's transactions together with the
// advanced cursor in one database transaction that first checks its lease
// fence: a crash anywhere loses nothing (the cursor did not move) and
// stores nothing twice (the rows are keyed by the provider's ID, and an
// instance whose lease was taken over stores nothing). An instance that
// dies keeps its lease until it expires; then another claims the
// connection.
//
// Failures are decided by the provider error's class alone (pos.Class):
// unavailable or malformed answers back off exponentially with jitter, a
// rate limit waits at least its Retry-After, refused credentials stop the
// connection until its owner links it again. The backoff lives in the poll
// state, so a restart does not reset it.
//
// Which camera a sale belongs to follows from the effective-dated terminal
// bindings as one SQL function defines their periods (pos_binding_periods):
// read when a page is stored, and applied again by triggers to the stored
// sales when bindings change.
package poller
