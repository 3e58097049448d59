// Package dashboard reads a camera's transactions for its dashboard (the
// list, its revisions, the timeline, whether the camera was fed then) and
// for the viewer's API. It only reads: every query takes the tenant, and
// runs on a pool of its own whose connections refuse writes and stop a
// statement after a timeout (db.ReadsPool), so that heavy reads never hold
// up the poller's claims.
package dashboard

import (
	"slices"
	"time"

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
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

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
	// DefaultStatementTimeout bounds every dashboard query (the reads
	// pool's setting).
	DefaultStatementTimeout = 3 * time.Second
)

// Store reads the dashboard's data.
type Store struct {
	pool   *pgxpool.Pool
	status *poller.StatusReader
	now    func() time.Time
}

// NewStore reads on pool, which should be a reads pool (db.ReadsPool,
// with DefaultStatementTimeout): its connections stop a statement that
// runs too long and refuse writes. status tells how the links feeding a
// camera stand; now is the domain's clock (time.Now when nil), which
// ranges that end "now" end at.
func NewStore(pool *pgxpool.Pool, status *poller.StatusReader, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, status: status, now: now}
}

// Now is the store's clock: where a range that ends now ends.
func (s *Store) Now() time.Time { return s.now() }
