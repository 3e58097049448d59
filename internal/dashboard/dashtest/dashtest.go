// Package dashtest puts links, bindings and transactions straight into the
// database for the dashboard's tests, as the poller would have stored them.
package dashtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/db"
)

// Tenant makes a tenant and one camera of it; it answers their IDs.
func Tenant(t testing.TB, pool *pgxpool.Pool, name, deviceID string) (tenantID, cameraID int64) {
	t.Helper()
	ctx := context.Background()
	must(t, pool.QueryRow(ctx, `INSERT INTO tenants (name) VALUES ($1) RETURNING id`, name).Scan(&tenantID))
	return tenantID, Camera(t, pool, tenantID, deviceID)
}

// Camera makes a camera of the tenant with its POS option usable.
func Camera(t testing.TB, pool *pgxpool.Pool, tenantID int64, deviceID string) int64 {
	t.Helper()
	var id int64
	must(t, pool.QueryRow(context.Background(), `INSERT INTO cameras (tenant_id, device_id, name, model, pos_enabled, pos_usable_from)
		VALUES ($1, $2, $2, 'CC-2L_SF', true, '2026-01-01') RETURNING id`, tenantID, deviceID).Scan(&id))
	return id
}

// Connection makes a link of the tenant (credentials that open nothing).
func Connection(t testing.TB, pool *pgxpool.Pool, tenantID int64, provider, externalID string) int64 {
	t.Helper()
	kind := "oauth2"
	if provider == "smaregi" {
		kind = "client_credentials"
	}
	var id int64
	must(t, pool.QueryRow(context.Background(), `INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		VALUES ($1, $2, $3, $4, '\x00') RETURNING id`, tenantID, provider, externalID, kind).Scan(&id))
	return id
}

// Bind binds a terminal of the link to the camera from boundAt (until
// unboundAt unless zero).
func Bind(t testing.TB, pool *pgxpool.Pool, tenantID, connID int64, terminalKey, terminalName string, cameraID int64, boundAt, unboundAt time.Time) {
	t.Helper()
	var until *time.Time
	if !unboundAt.IsZero() {
		until = &unboundAt
	}
	_, err := pool.Exec(context.Background(), `INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, terminal_name, camera_id, bound_at, unbound_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, connID, terminalKey, terminalName, cameraID, boundAt, until)
	must(t, err)
}

// Txn is a transaction as the poller stores it.
type Txn struct {
	CameraID                  int64
	SoldAt                    time.Time // its zone is the register's
	Kind                      string
	Total, Deposit, Change    int64
	ReceiptNo, Staff          string
	TerminalKey, TerminalName string
}

// Insert stores the transaction; it answers its ID.
func Insert(t testing.TB, pool *pgxpool.Pool, tenantID, connID int64, x Txn) int64 {
	t.Helper()
	_, offset := x.SoldAt.Zone()
	var camera *int64
	if x.CameraID != 0 {
		camera = &x.CameraID
	}
	var id int64
	must(t, pool.QueryRow(context.Background(), `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key, terminal_name,
			camera_id, sold_at, sold_utc_offset, kind, total, deposit, change, receipt_no, staff, provider_updated_at, raw)
		VALUES ($1, $2, gen_random_uuid()::text, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $6, '{}') RETURNING id`,
		tenantID, connID, x.TerminalKey, x.TerminalName, camera, x.SoldAt, offset, x.Kind, x.Total, x.Deposit, x.Change,
		x.ReceiptNo, x.Staff).Scan(&id))
	return id
}

// Revise keeps the transaction's version as a revision (vanished: the
// provider lost it) and gives it kind and total, placing the change in the
// live streams' change order as the poller does.
func Revise(t testing.TB, pool *pgxpool.Pool, txnID int64, vanished bool, kind string, total int64) {
	t.Helper()
	reason := "delivery"
	if vanished {
		reason = "vanished"
	}
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO pos_transaction_revisions (transaction_id, tenant_id, revision, reason, kind, terminal_key,
			sold_at, sold_utc_offset, total, deposit, change, receipt_no, staff, payment_method, provider_updated_at, raw)
		SELECT id, tenant_id, revision, $2, kind, terminal_key, sold_at, sold_utc_offset, total, deposit, change, receipt_no,
			staff, payment_method, provider_updated_at, raw FROM pos_transactions WHERE id = $1`, txnID, reason)
	must(t, err)
	_, err = pool.Exec(ctx, `UPDATE pos_transactions SET kind = $2, total = $3, revision = revision + 1,
		change_seq = pos_transactions_next_change() WHERE id = $1`, txnID, kind, total)
	must(t, err)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Errorf("dashtest: %w", err))
	}
}

// Reads is the reads pool beside pool that the dashboard's store reads on
// in production (db.ReadsPool with the default statement timeout), closed
// when the test ends.
func Reads(t testing.TB, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	reads, err := db.ReadsPool(context.Background(), pool, dashboard.DefaultStatementTimeout)
	must(t, err)
	t.Cleanup(reads.Close)
	return reads
}
