package live

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Transaction is a stored transaction as the live list shows it, in its
// version now; amounts in yen, the time in the register's zone.
type Transaction struct {
	ID     int64     `json:"id"`
	SoldAt time.Time `json:"sold_at"`
	// Kind is payment, cancel, modify or delete.
	Kind      string `json:"kind"`
	Total     int64  `json:"total"`
	Deposit   int64  `json:"deposit"`
	Change    int64  `json:"change"`
	ReceiptNo string `json:"receipt_no"`
	// TerminalName is the register's name as bound (empty when it had
	// none), Terminal its ID at the provider: the names of the API's
	// transactions.
	TerminalName string `json:"terminal_name"`
	Terminal     string `json:"terminal"`
	Staff        string `json:"staff"`
	// Revision is 1 for a transaction as first stored, higher once a
	// visible change replaced it (the API's revision).
	Revision int `json:"revision"`
	// Place is its place in the change order: where a stream that
	// delivered it resumes (the event's ID).
	Place int64 `json:"-"`
}

// Limit is the most transactions one read returns.
const Limit = 500

// settle is how long after delivering a place a lower one may still
// appear: places are taken when a row is written, so a page another
// connection's poll was committing at the time may become visible after a
// higher place. Polls commit a page within seconds.
const settle = time.Minute

// maxPending bounds the places a follower remembers within the settle
// time (a backfill can bring thousands at once); past it, it stops
// watching for lower places of that burst.
const maxPending = 2000

// The change order (migration 00015): a transaction's place is
// change_seq once a visible change was stored, its ID before. sinceSQL
// reads the camera's places after $3 but those in $4: the transactions as
// first stored by the primary key, the changed ones by their index.
const sinceSQL = `SELECT place, ` + rowColumns + `
FROM ((SELECT id AS place, ` + rowColumns + ` FROM pos_transactions
       WHERE tenant_id = $1 AND camera_id = $2 AND id > $3 AND change_seq IS NULL AND NOT (id = ANY($4::int8[]))
       ORDER BY id LIMIT $5)
      UNION ALL
      (SELECT change_seq AS place, ` + rowColumns + ` FROM pos_transactions
       WHERE tenant_id = $1 AND camera_id = $2 AND change_seq > $3 AND NOT (change_seq = ANY($4::int8[]))
       ORDER BY change_seq LIMIT $5)) t
ORDER BY place LIMIT $5`

// rowColumns are what a stream sends of a transaction.
const rowColumns = `id, sold_at, sold_utc_offset, kind, total, deposit, change, receipt_no, terminal_name, terminal_key, staff,
       revision`

const latestSQL = `SELECT greatest((SELECT max(id) FROM pos_transactions),
	(SELECT max(change_seq) FROM pos_transactions WHERE change_seq IS NOT NULL), 0)`

// Follower reads a camera's new and changed transactions in the change
// order for one stream, each version once.
type Follower struct {
	pool           *pgxpool.Pool
	tenant, camera int64
	now            func() time.Time
	// low: every place up to it was delivered, or was there before the
	// stream began.
	low int64
	// sent are the places above low delivered, with when.
	sent map[int64]time.Time
}

// Follow starts following the tenant's camera after the place after;
// from the newest place when after is negative.
func Follow(ctx context.Context, pool *pgxpool.Pool, tenantID, cameraID, after int64) (*Follower, error) {
	f := &Follower{pool: pool, tenant: tenantID, camera: cameraID, now: time.Now, low: after, sent: map[int64]time.Time{}}
	if after < 0 {
		var err error
		if f.low, err = Latest(ctx, pool); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Latest is the newest place in the change order, of any camera: where
// the stream of a page read now begins, so that whatever is stored or
// changed after the read comes on it. A transaction ID is a place too: a
// transaction stored after the read has an ID above it.
func Latest(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var place int64
	if err := pool.QueryRow(ctx, latestSQL).Scan(&place); err != nil {
		return 0, fmt.Errorf("read the newest change: %w", err)
	}
	return place, nil
}

// Start is where the follower began: the place a stream resumes after
// when it has delivered nothing.
func (f *Follower) Start() int64 { return f.low }

// Next reads the transactions stored or changed since they were last
// delivered, at most Limit (more may be waiting when it returns that
// many), in the change order.
func (f *Follower) Next(ctx context.Context) ([]Transaction, error) {
	f.forgetSettled()
	rows, err := f.pool.Query(ctx, sinceSQL, f.tenant, f.camera, f.low, slices.AppendSeq(make([]int64, 0, len(f.sent)), maps.Keys(f.sent)), Limit)
	if err != nil {
		return nil, fmt.Errorf("read new transactions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Transaction, error) {
		var t Transaction
		var offset int32
		err := r.Scan(&t.Place, &t.ID, &t.SoldAt, &offset, &t.Kind, &t.Total, &t.Deposit, &t.Change, &t.ReceiptNo, &t.TerminalName,
			&t.Terminal, &t.Staff, &t.Revision)
		t.SoldAt = t.SoldAt.In(time.FixedZone("", int(offset)))
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read new transactions: %w", err)
	}
	now := f.now()
	for _, t := range out {
		f.sent[t.Place] = now
	}
	return out, nil
}

// forgetSettled moves low up past what was delivered more than settle ago
// (or past everything delivered, when too much is pending).
func (f *Follower) forgetSettled() {
	cutoff := f.now().Add(-settle)
	for place, at := range f.sent {
		if (at.Before(cutoff) || len(f.sent) > maxPending) && place > f.low {
			f.low = place
		}
	}
	maps.DeleteFunc(f.sent, func(place int64, _ time.Time) bool { return place <= f.low })
}
