package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
)

// Version is what a transaction showed in one of its versions.
type Version struct {
	Kind Kind
	// SoldAt is the register's time, in the register's zone.
	SoldAt                 time.Time
	Total, Deposit, Change int64 // yen
	ReceiptNo              string
	TerminalKey            string
	Staff                  string
	PaymentMethod          string
}

// Fields of a Version, as Revision.Changed names them.
const (
	FieldKind          = "kind"
	FieldSoldAt        = "sold_at"
	FieldTotal         = "total"
	FieldDeposit       = "deposit"
	FieldChange        = "change"
	FieldReceiptNo     = "receipt_no"
	FieldTerminal      = "terminal"
	FieldStaff         = "staff"
	FieldPaymentMethod = "payment_method"
)

// changed names the fields that differ between a and b, in the list's
// column order.
func changed(a, b Version) []string {
	var out []string
	add := func(f string, differ bool) {
		if differ {
			out = append(out, f)
		}
	}
	add(FieldSoldAt, !a.SoldAt.Equal(b.SoldAt))
	add(FieldKind, a.Kind != b.Kind)
	add(FieldTotal, a.Total != b.Total)
	add(FieldDeposit, a.Deposit != b.Deposit)
	add(FieldChange, a.Change != b.Change)
	add(FieldReceiptNo, a.ReceiptNo != b.ReceiptNo)
	add(FieldTerminal, a.TerminalKey != b.TerminalKey)
	add(FieldStaff, a.Staff != b.Staff)
	add(FieldPaymentMethod, a.PaymentMethod != b.PaymentMethod)
	return out
}

// Revision is one change of a transaction: the version Before (number
// Number) replaced by After.
type Revision struct {
	Number int
	// Vanished: the provider no longer had the transaction (削除), rather
	// than delivering a changed one.
	Vanished   bool
	ReplacedAt time.Time
	Before     Version
	After      Version
	// Changed names the fields that differ (Field…).
	Changed []string
}

// Transaction is a transaction as the dashboard lists it: its current
// version, and for one that changed, its revisions oldest first.
type Transaction struct {
	ID       int64
	CameraID int64
	Version
	TerminalName string
	// Revision is the number of the version shown (1: never changed).
	Revision  int
	Revisions []Revision
}

// Page is a page of the list, newest first. Next continues with older
// transactions, Prev with newer ones; empty when there are none.
type Page struct {
	Items      []Transaction
	Next, Prev string
}

const txnColumns = `t.id, coalesce(t.camera_id, 0), t.sold_at, t.sold_utc_offset, t.kind, t.total, t.deposit, t.change,
	t.receipt_no, t.terminal_key, t.terminal_name, t.staff, t.payment_method, t.revision`

func scanTxn(r pgx.Row) (Transaction, error) {
	var t Transaction
	var offset int
	err := r.Scan(&t.ID, &t.CameraID, &t.SoldAt, &offset, &t.Kind, &t.Total, &t.Deposit, &t.Change,
		&t.ReceiptNo, &t.TerminalKey, &t.TerminalName, &t.Staff, &t.PaymentMethod, &t.Revision)
	t.SoldAt = inZone(t.SoldAt, offset)
	return t, err
}

// inZone is t in the zone offset seconds east of UTC, named as the
// register's clock shows it (+09:00).
func inZone(t time.Time, offset int) time.Time {
	return t.In(time.FixedZone(zoneName(offset), offset))
}

func zoneName(offset int) string {
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	return fmt.Sprintf("%s%02d:%02d", sign, offset/3600, offset%3600/60)
}

// cursor directions: a page older or newer than the position.
const (
	older byte = 'o'
	newer byte = 'n'
)

// listSQL is the list's query with only the conditions the query needs, so
// that each shape gets a plan of its own (a generic plan for "$5 = ” OR
// kind = $5" would not use the index well).
func listSQL(q Query, pos position, dir byte) (string, []any) {
	args := []any{q.TenantID, q.CameraID, q.From, q.To}
	var b strings.Builder
	b.WriteString(`SELECT ` + txnColumns + ` FROM pos_transactions t
		WHERE t.tenant_id = $1 AND t.camera_id = $2 AND t.sold_at >= $3 AND t.sold_at < $4`)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Kind != "" {
		b.WriteString(` AND t.kind = ` + arg(string(q.Kind)))
	}
	if q.Q != "" {
		p := arg(likePattern(q.Q))
		b.WriteString(` AND (t.receipt_no ILIKE ` + p + ` OR t.terminal_key ILIKE ` + p +
			` OR t.terminal_name ILIKE ` + p + ` OR t.staff ILIKE ` + p + `)`)
	}
	if !pos.zero() {
		at, id := arg(pos.soldAt), arg(pos.id)
		if dir == newer {
			b.WriteString(` AND t.sold_at >= ` + at + ` AND (t.sold_at > ` + at + ` OR t.id > ` + id + `)`)
		} else {
			b.WriteString(` AND t.sold_at <= ` + at + ` AND (t.sold_at < ` + at + ` OR t.id < ` + id + `)`)
		}
	}
	if dir == newer {
		b.WriteString(` ORDER BY t.sold_at, t.id`)
	} else {
		b.WriteString(` ORDER BY t.sold_at DESC, t.id DESC`)
	}
	b.WriteString(` LIMIT ` + arg(q.Limit+1))
	return b.String(), args
}

// List is a page of the camera's transactions that the query selects,
// newest first, with the revisions of those that changed.
func (s *Store) List(ctx context.Context, q Query) (Page, error) {
	pos, dir, err := q.check()
	if err != nil {
		return Page{}, err
	}
	page, err := s.list(ctx, q, pos, dir)
	if err != nil {
		return Page{}, wrapRead("list transactions", err)
	}
	return page, nil
}

// list reads the page that List returns.
func (s *Store) list(ctx context.Context, q Query, pos position, dir byte) (Page, error) {
	sql, args := listSQL(q, pos, dir)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Transaction, error) { return scanTxn(r) })
	if err != nil {
		return Page{}, err
	}
	more := len(items) > q.Limit
	if more {
		items = items[:q.Limit]
	}
	if dir == newer {
		slices.Reverse(items)
	}
	page := Page{Items: items}
	if len(items) > 0 {
		tag := q.filterTag()
		first, last := items[0], items[len(items)-1]
		if (dir == older && more) || (dir == newer && !pos.zero()) {
			page.Next = encodeCursor(position{soldAt: last.SoldAt, id: last.ID}, older, tag)
		}
		if (dir == newer && more) || (dir == older && !pos.zero()) {
			page.Prev = encodeCursor(position{soldAt: first.SoldAt, id: first.ID}, newer, tag)
		}
	}
	return page, s.withRevisions(ctx, q.TenantID, page.Items)
}

// Get is a transaction of the tenant with its revisions; another tenant's
// is not found.
func (s *Store) Get(ctx context.Context, tenantID, txnID int64) (Transaction, error) {
	t, err := scanTxn(s.pool.QueryRow(ctx, `SELECT `+txnColumns+` FROM pos_transactions t
		WHERE t.tenant_id = $1 AND t.id = $2`, tenantID, txnID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Transaction{}, apperr.New(apperr.NotFound, "err.not_found")
	}
	if err != nil {
		return Transaction{}, wrapRead("get transaction", err)
	}
	items := []Transaction{t}
	if err := s.withRevisions(ctx, tenantID, items); err != nil {
		return Transaction{}, wrapRead("get transaction", err)
	}
	return items[0], nil
}

// withRevisions gives each item that changed its revisions.
func (s *Store) withRevisions(ctx context.Context, tenantID int64, items []Transaction) error {
	var ids []int64
	for _, t := range items {
		if t.Revision > 1 {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, `SELECT r.transaction_id, r.revision, r.reason = 'vanished', r.replaced_at,
			r.kind, r.sold_at, r.sold_utc_offset, r.total, r.deposit, r.change, r.receipt_no, r.terminal_key,
			r.staff, r.payment_method
		FROM pos_transaction_revisions r
		WHERE r.tenant_id = $1 AND r.transaction_id = ANY($2)
		ORDER BY r.transaction_id, r.revision`, tenantID, ids)
	if err != nil {
		return err
	}
	type stored struct {
		txnID int64
		rev   Revision
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stored, error) {
		var s stored
		var offset int
		v := &s.rev.Before
		err := r.Scan(&s.txnID, &s.rev.Number, &s.rev.Vanished, &s.rev.ReplacedAt, &v.Kind, &v.SoldAt, &offset,
			&v.Total, &v.Deposit, &v.Change, &v.ReceiptNo, &v.TerminalKey, &v.Staff, &v.PaymentMethod)
		v.SoldAt = inZone(v.SoldAt, offset)
		return s, err
	})
	if err != nil {
		return err
	}
	byID := map[int64][]Revision{}
	for _, s := range list {
		byID[s.txnID] = append(byID[s.txnID], s.rev)
	}
	for i := range items {
		revs := byID[items[i].ID]
		// Each version is replaced by the next one, the last by the
		// version shown.
		for j := range revs {
			after := items[i].Version
			if j+1 < len(revs) {
				after = revs[j+1].Before
			}
			revs[j].After = after
			revs[j].Changed = changed(revs[j].Before, after)
		}
		items[i].Revisions = revs
	}
	return nil
}

// wrapRead gives a failed read its context; the domain's own errors (a
// refused parameter, not found) pass as they are.
func wrapRead(what string, err error) error {
	if _, ok := errors.AsType[*apperr.Error](err); ok {
		return err
	}
	return fmt.Errorf("dashboard: %s: %w", what, err)
}
