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

// Transaction is a stored transaction as the live list shows it; amounts
// in yen, the time in the register's zone.
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
}

// Limit is the most transactions one read returns.
const Limit = 500

// settle is how long after delivering a transaction a lower ID may still
// appear: IDs are taken at insert, so a page another connection's poll
// was committing at the time may become visible after a higher ID. Polls
// commit a page within seconds.
const settle = time.Minute

// maxPending bounds the IDs a follower remembers within the settle time
// (a backfill can bring thousands at once); past it, it stops watching
// for lower IDs of that burst.
const maxPending = 2000

const sinceSQL = `SELECT id, sold_at, sold_utc_offset, kind, total, deposit, change, receipt_no, terminal_name, terminal_key, staff
FROM pos_transactions
WHERE tenant_id = $1 AND camera_id = $2 AND id > $3 AND NOT (id = ANY($4::int8[]))
ORDER BY id LIMIT $5`

const latestSQL = `SELECT coalesce(max(id), 0) FROM pos_transactions`

// Follower reads a camera's new transactions in ID order for one stream,
// each once.
type Follower struct {
	pool           *pgxpool.Pool
	tenant, camera int64
	now            func() time.Time
	// low: every transaction with an ID up to it was delivered, or was
	// there before the stream began.
	low int64
	// sent are the IDs above low delivered, with when.
	sent map[int64]time.Time
}

// Follow starts following the tenant's camera after the transaction ID
// after; from the newest transaction stored when after is negative.
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

// Latest is the newest transaction ID stored: where the stream of a page
// read now begins, so that whatever commits after the read comes on it.
func Latest(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var id int64
	if err := pool.QueryRow(ctx, latestSQL).Scan(&id); err != nil {
		return 0, fmt.Errorf("read the newest transaction: %w", err)
	}
	return id, nil
}

// Start is where the follower began: the ID a stream resumes after when
// it has delivered nothing.
func (f *Follower) Start() int64 { return f.low }

// Next reads the transactions not delivered yet, at most Limit (more may
// be waiting when it returns that many).
func (f *Follower) Next(ctx context.Context) ([]Transaction, error) {
	f.forgetSettled()
	rows, err := f.pool.Query(ctx, sinceSQL, f.tenant, f.camera, f.low, slices.AppendSeq(make([]int64, 0, len(f.sent)), maps.Keys(f.sent)), Limit)
	if err != nil {
		return nil, fmt.Errorf("read new transactions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Transaction, error) {
		var t Transaction
		var offset int32
		err := r.Scan(&t.ID, &t.SoldAt, &offset, &t.Kind, &t.Total, &t.Deposit, &t.Change, &t.ReceiptNo, &t.TerminalName,
			&t.Terminal, &t.Staff)
		t.SoldAt = t.SoldAt.In(time.FixedZone("", int(offset)))
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read new transactions: %w", err)
	}
	now := f.now()
	for _, t := range out {
		f.sent[t.ID] = now
	}
	return out, nil
}

// forgetSettled moves low up past what was delivered more than settle ago
// (or past everything delivered, when too much is pending).
func (f *Follower) forgetSettled() {
	cutoff := f.now().Add(-settle)
	for id, at := range f.sent {
		if (at.Before(cutoff) || len(f.sent) > maxPending) && id > f.low {
			f.low = id
		}
	}
	maps.DeleteFunc(f.sent, func(id int64, _ time.Time) bool { return id <= f.low })
}
