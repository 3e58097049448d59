// Package dashboard reads a camera's transactions for its dashboard (the
// list, its revisions, the timeline, whether the camera was fed then) and
// for the viewer's API. It only reads: every query takes the tenant, and
// runs in a short read-only transaction under a statement timeout, so that
// a heavy read never holds up the poller's claims.
package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/poller"
)

// Kind is what a transaction was at the register.
type Kind string

// The kinds of transaction (支払い / キャンセル / 修正 / 削除).
const (
	Payment Kind = "payment"
	Cancel  Kind = "cancel"
	Modify  Kind = "modify"
	Delete  Kind = "delete"
)

// Kinds are the kinds in the order the filters show them.
var Kinds = []Kind{Payment, Cancel, Modify, Delete}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Limits of what a query may ask.
const (
	// MaxLimit is the most transactions one page lists; DefaultLimit when
	// none is asked.
	MaxLimit     = 200
	DefaultLimit = 50
	// MaxQueryLen is the longest search text, in characters.
	MaxQueryLen = 64
	// MaxRange is the longest time range one query spans.
	MaxRange = 31 * 24 * time.Hour
	// MaxExport is the most rows a CSV export holds.
	MaxExport = 100_000
	// DefaultStatementTimeout bounds every dashboard query.
	DefaultStatementTimeout = 3 * time.Second
)

// Store reads the dashboard's data.
type Store struct {
	pool    *pgxpool.Pool
	status  *poller.StatusReader
	now     func() time.Time
	timeout time.Duration
}

// NewStore reads on pool; status tells how the links feeding a camera
// stand; now is the domain's clock (time.Now when nil), which ranges that
// end "now" end at. Each query is cancelled by the database after timeout
// (DefaultStatementTimeout when zero).
func NewStore(pool *pgxpool.Pool, status *poller.StatusReader, now func() time.Time, timeout time.Duration) *Store {
	if timeout <= 0 {
		timeout = DefaultStatementTimeout
	}
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, status: status, now: now, timeout: timeout}
}

// Now is the store's clock: where a range that ends now ends.
func (s *Store) Now() time.Time { return s.now() }

// read runs fn in a read-only transaction whose statements the database
// stops after the store's timeout. Nothing is written, so it always ends
// with a rollback.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("dashboard: begin read: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	ms := fmt.Sprintf("%d", s.timeout.Milliseconds())
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, ms); err != nil {
		return fmt.Errorf("dashboard: statement timeout: %w", err)
	}
	return fn(tx)
}
