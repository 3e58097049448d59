package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store is the poller's SQL on the poll states and the transactions.
type store struct {
	pool     *pgxpool.Pool
	owner    string
	leaseFor time.Duration
	interval time.Duration
}

// pageResult is what storing a page did.
type pageResult struct {
	inserted, revisions int
	// soldAt are the sale times of the rows inserted, for the lag metric.
	soldAt []time.Time
}

// finish ends a successful poll with the page that completes it.
type finish struct {
	// requeue: the provider has more; the connection is due again at once,
	// behind those due before it.
	requeue bool
	// reconciled: deletions were looked for.
	reconciled bool
}

// visibleChange holds when version n of a stored transaction o changes
// what people see: time, register, amounts, receipt, staff, payment, or
// the kind when the provider says cancel or delete. A payment delivered
// again with nothing else changed is no change: Smaregi's nightly 精算
// re-delivers every sale of the day with only its settlement fields set.
func visibleChange(o, n string) string {
	return fmt.Sprintf(`((%[2]s.kind NOT IN ('payment', 'modify') AND %[2]s.kind <> %[1]s.kind)
	OR (%[1]s.sold_at, %[1]s.sold_utc_offset, %[1]s.terminal_key, %[1]s.total, %[1]s.deposit, %[1]s.change,
	    %[1]s.receipt_no, %[1]s.staff, %[1]s.payment_method)
	   IS DISTINCT FROM
	   (%[2]s.sold_at, %[2]s.sold_utc_offset, %[2]s.terminal_key, %[2]s.total, %[2]s.deposit, %[2]s.change,
	    %[2]s.receipt_no, %[2]s.staff, %[2]s.payment_method))`, o, n)
}

// revisionColumns are the columns a revision keeps of the version replaced.
const revisionColumns = `kind, terminal_key, sold_at, sold_utc_offset, total, deposit, change, receipt_no, staff,
	payment_method, provider_updated_at, raw`

// storedSQL lists which of the IDs $3 of connection $1 (tenant $2) are
// stored, with their row IDs.
const storedSQL = `SELECT provider_txn_id, id FROM pos_transactions
WHERE connection_id = $1 AND tenant_id = $2 AND provider_txn_id = ANY($3::text[])`

// transactionColumns are the columns a new transaction is copied into.
var transactionColumns = []string{"tenant_id", "connection_id", "provider_txn_id", "terminal_key", "terminal_name",
	"camera_id", "sold_at", "sold_utc_offset", "kind", "total", "deposit", "change", "receipt_no", "staff",
	"payment_method", "provider_updated_at", "raw"}

// reviseSQL applies later deliveries to stored transactions of connection
// $1 (tenant $2; row IDs $3, with the values of the columns after): each
// that changed visibly is updated (a payment changed becomes 修正) and its
// replaced version kept as a revision; the others are left as they are.
// It returns the revisions made. A change takes a new place in the change
// order the live streams follow (migration 00015).
var reviseSQL = `
WITH n AS (
	SELECT * FROM unnest($3::int8[], $4::text[], $5::text[], $6::int8[], $7::timestamptz[], $8::int4[], $9::text[],
	                     $10::int8[], $11::int8[], $12::int8[], $13::text[], $14::text[], $15::text[],
	                     $16::timestamptz[], $17::text[])
	  AS n(id, terminal_key, terminal_name, camera_id, sold_at, sold_utc_offset, kind, total, deposit, change,
	       receipt_no, staff, payment_method, provider_updated_at, raw)
),
changed AS MATERIALIZED (
	SELECT n.* FROM n JOIN pos_transactions o ON o.id = n.id
	WHERE o.connection_id = $1 AND o.tenant_id = $2 AND ` + visibleChange("o", "n") + `
),
rev AS (
	INSERT INTO pos_transaction_revisions (transaction_id, tenant_id, revision, reason, ` + revisionColumns + `)
	SELECT o.id, o.tenant_id, o.revision, 'delivery', o.kind, o.terminal_key, o.sold_at, o.sold_utc_offset, o.total,
	       o.deposit, o.change, o.receipt_no, o.staff, o.payment_method, o.provider_updated_at, o.raw
	FROM changed JOIN pos_transactions o ON o.id = changed.id
	RETURNING 1
),
upd AS (
	UPDATE pos_transactions o
	SET kind = CASE WHEN n.kind IN ('payment', 'modify') THEN 'modify' ELSE n.kind END,
	    terminal_key = n.terminal_key, terminal_name = n.terminal_name, camera_id = n.camera_id,
	    sold_at = n.sold_at, sold_utc_offset = n.sold_utc_offset, total = n.total, deposit = n.deposit,
	    change = n.change, receipt_no = n.receipt_no, staff = n.staff, payment_method = n.payment_method,
	    provider_updated_at = n.provider_updated_at, raw = n.raw::jsonb,
	    revision = o.revision + 1, vanished_at = NULL, updated_at = now(), change_seq = pos_transactions_next_change()
	FROM changed n
	WHERE o.id = n.id
)
SELECT count(*) FROM rev`

// lockSQL are the first statements of every write of sales under a lease:
// a key share lock on the connection (which the inserts' foreign key takes
// anyway) before the poll state's row lock, in the order binding changes
// take them, so that the two never wait for each other in a cycle; then
// the fence check, which finds no row when the lease was lost.
const (
	lockConnectionSQL = `SELECT 1 FROM pos_connections WHERE id = $1 FOR KEY SHARE`
	lockLeaseSQL      = `SELECT 1 FROM poll_states WHERE ` + fenced + ` FOR UPDATE`
)

// extendSQL saves the cursor and extends the lease, the poll going on.
const extendSQL = `UPDATE poll_states SET cursor = $4, lease_until = now() + $5 * interval '1 millisecond'
WHERE ` + fenced

// finishSQL saves the cursor and ends a successful poll: the lease is
// released, failures forgotten, and the connection due an interval ($6 ms)
// after it was due this time — or at once when more is waiting ($5),
// something changed while the poll ran (kicked), or the poller is more than
// an interval behind. Counting from the due time rather than from the
// poll's end keeps each connection's cadence at the interval: the wait for
// a claim and the poll's own time do not add up from poll to poll.
const finishSQL = `
UPDATE poll_states
SET cursor = $4, lease_owner = NULL, lease_until = NULL,
    due_at = CASE WHEN kicked OR $5 THEN now() ELSE greatest(due_at + $6 * interval '1 millisecond', now()) END,
    failures = 0, stopped_at = NULL, last_attempt_at = now(), last_ok_at = now(),
    reconciled_at = CASE WHEN $7 THEN now() ELSE coalesce(reconciled_at, now()) END
WHERE ` + fenced

// stateWrite is the poll state's update after a page: extended, or
// finished when fin is set.
func (s *store) stateWrite(l *lease, cursor string, fin *finish) (string, []any) {
	if fin == nil {
		return extendSQL, []any{l.connID, s.owner, l.fence, cursor, s.leaseFor.Milliseconds()}
	}
	return finishSQL, []any{l.connID, s.owner, l.fence, cursor, fin.requeue, s.interval.Milliseconds(), fin.reconciled}
}

// commitPage stores a page's rows and its cursor in one database
// transaction under the lease (extending it, or ending the poll when fin
// is set), so that a crash anywhere either keeps both or neither. New
// transactions are copied in (a backfill is mostly new rows): only the
// holder of the lease writes the connection's sales, under the poll
// state's row lock, so nobody can insert them meanwhile.
func (s *store) commitPage(ctx context.Context, l *lease, c columns, cursor string, fin *finish, hooks *Hooks) (pageResult, error) {
	sent := time.Now()
	state, args := s.stateWrite(l, cursor, fin)
	if c.len() == 0 {
		// Only the cursor and the lease: one fenced statement.
		tag, err := s.pool.Exec(ctx, state, args...)
		if err != nil {
			return pageResult{}, fmt.Errorf("save poll state: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return pageResult{}, errLostLease
		}
		l.deadline = s.callDeadline(sent)
		return pageResult{}, nil
	}
	var res pageResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(lockConnectionSQL, l.connID)
		b.Queue(lockLeaseSQL, l.connID, s.owner, l.fence)
		b.Queue(periodsSQL, l.connID)
		b.Queue(storedSQL, l.connID, l.tenantID, c.ids)
		br := tx.SendBatch(ctx, b)
		err := readLocks(br)
		if err == nil {
			err = c.place(br)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if res, err = s.insertNew(ctx, tx, l, c); err != nil {
			return err
		}
		b = &pgx.Batch{}
		if c.stored() > 0 {
			u := c.storedPart()
			b.Queue(reviseSQL, l.connID, l.tenantID, u.rowIDs, u.keys, u.names, u.cameras, u.soldAt, u.offsets, u.kinds,
				u.totals, u.deposits, u.changes, u.receipts, u.staff, u.methods, u.updatedAt, u.raw)
		}
		b.Queue(state, args...)
		br = tx.SendBatch(ctx, b)
		if c.stored() > 0 {
			if err = br.QueryRow().Scan(&res.revisions); err != nil {
				err = fmt.Errorf("revise transactions: %w", err)
			}
		}
		if err == nil {
			err = readState(br)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return hooks.at(ctx, BeforeCommit, l.connID)
	})
	if err != nil {
		return pageResult{}, err
	}
	l.deadline = s.callDeadline(sent)
	return res, nil
}

// insertNew copies the page's new transactions in.
func (s *store) insertNew(ctx context.Context, tx pgx.Tx, l *lease, c columns) (pageResult, error) {
	var res pageResult
	var rows [][]any
	for i := range c.ids {
		if c.storedIDs[i] != nil {
			continue
		}
		rows = append(rows, []any{l.tenantID, l.connID, c.ids[i], c.keys[i], c.names[i], c.cameras[i], c.soldAt[i],
			c.offsets[i], c.kinds[i], c.totals[i], c.deposits[i], c.changes[i], c.receipts[i], c.staff[i], c.methods[i],
			c.updatedAt[i], c.raw[i]})
		res.soldAt = append(res.soldAt, c.soldAt[i])
	}
	if len(rows) == 0 {
		return res, nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"pos_transactions"}, transactionColumns, pgx.CopyFromRows(rows))
	if err != nil {
		return pageResult{}, fmt.Errorf("store new transactions: %w", err)
	}
	res.inserted = int(n)
	return res, nil
}

// readLocks reads the results of the lock statements.
func readLocks(br pgx.BatchResults) error {
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("lock connection: %w", err)
	}
	if err := br.QueryRow().Scan(new(int)); errors.Is(err, pgx.ErrNoRows) {
		return errLostLease
	} else if err != nil {
		return fmt.Errorf("check lease: %w", err)
	}
	return nil
}

// readState reads the result of the poll state's update.
func readState(br pgx.BatchResults) error {
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("save poll state: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errLostLease
	}
	return nil
}

// customPlansSQL makes a reconcile plan for its values: after five runs of
// a prepared statement PostgreSQL may keep a generic plan, which for the
// window and the list of IDs can read far more than they select. (Not for
// the writes of pages, whose plans hold whatever the values — and whose
// foreign key checks would be planned again for every row.)
const customPlansSQL = `SET LOCAL plan_cache_mode = force_custom_plan`

// reconcileSQL marks the transactions of connection $1 (tenant $5) sold in
// [$2, $3) that the provider no longer lists ($4) as deleted (削除),
// keeping the version they had as a revision and placing the change in
// the live streams' change order. It returns how many.
const reconcileSQL = `
WITH gone AS (
	SELECT o.id FROM pos_transactions o
	WHERE o.connection_id = $1 AND o.tenant_id = $5 AND o.sold_at >= $2 AND o.sold_at < $3 AND o.kind <> 'delete'
	  AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) AS p(id) WHERE p.id = o.provider_txn_id)
),
rev AS (
	INSERT INTO pos_transaction_revisions (transaction_id, tenant_id, revision, reason, ` + revisionColumns + `)
	SELECT o.id, o.tenant_id, o.revision, 'vanished', o.kind, o.terminal_key, o.sold_at, o.sold_utc_offset, o.total,
	       o.deposit, o.change, o.receipt_no, o.staff, o.payment_method, o.provider_updated_at, o.raw
	FROM gone JOIN pos_transactions o ON o.id = gone.id
	RETURNING 1
)
UPDATE pos_transactions o
SET kind = 'delete', vanished_at = now(), revision = o.revision + 1, updated_at = now(),
    change_seq = pos_transactions_next_change()
FROM gone WHERE o.id = gone.id`

// storedInWindow counts what a reconcile would compare.
const storedInWindowSQL = `SELECT count(*) FROM pos_transactions
WHERE connection_id = $1 AND tenant_id = $4 AND sold_at >= $2 AND sold_at < $3 AND kind <> 'delete'`

// implausibleEmpty is how many stored sales a provider's empty list for
// the window must not wipe out at once: more likely its glitch than a
// shop deleting everything.
const implausibleEmpty = 20

// commitReconcile marks what vanished at the provider and ends the poll,
// in one database transaction under the lease. It returns how many
// transactions it marked.
func (s *store) commitReconcile(ctx context.Context, l *lease, from, to time.Time, present []string) (int, error) {
	if len(present) == 0 {
		var n int
		if err := s.pool.QueryRow(ctx, storedInWindowSQL, l.connID, from, to, l.tenantID).Scan(&n); err != nil {
			return 0, fmt.Errorf("count stored transactions: %w", err)
		}
		if n >= implausibleEmpty {
			return 0, malformed(l.provider, fmt.Sprintf("the provider lists none of the %d transactions stored for %s–%s",
				n, from.Format(time.RFC3339), to.Format(time.RFC3339)))
		}
	}
	var marked int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(customPlansSQL)
		b.Queue(lockConnectionSQL, l.connID)
		b.Queue(lockLeaseSQL, l.connID, s.owner, l.fence)
		b.Queue(reconcileSQL, l.connID, from, to, present, l.tenantID)
		state, args := s.stateWrite(l, l.cursor, &finish{reconciled: true})
		b.Queue(state, args...)
		br := tx.SendBatch(ctx, b)
		err := readReconcile(br, &marked)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return marked, err
}

func readReconcile(br pgx.BatchResults, marked *int) error {
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("set plan mode: %w", err)
	}
	if err := readLocks(br); err != nil {
		return err
	}
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("mark vanished transactions: %w", err)
	}
	*marked = int(tag.RowsAffected())
	return readState(br)
}
