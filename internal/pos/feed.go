package pos

import (
	"context"
	"encoding/json"
	"time"
)

// Kind is what a transaction is, in the dashboard's words.
type Kind string

// The kinds of transaction. A provider's record says Payment, Cancel or
// Delete; Modify is a later delivery of a stored transaction that changed
// what people see.
const (
	Payment Kind = "payment" // 支払い
	Cancel  Kind = "cancel"  // キャンセル
	Modify  Kind = "modify"  // 修正
	Delete  Kind = "delete"  // 削除
)

// Transaction is one sale record as a provider delivered it, in the shape
// the poller stores for the dashboard. Money is whole yen.
type Transaction struct {
	// ID is the provider's transaction ID, unique within the POS account
	// only (Ubiregi checkout id, Smaregi transactionHeadId).
	ID string
	// TerminalKey is the register, keyed as terminal bindings key it
	// (Ubiregi's device GUID, Smaregi's "storeId:terminalId").
	TerminalKey string
	// SoldAt is the register's time of the sale, in its zone: not the time
	// the provider received it.
	SoldAt time.Time
	Kind   Kind
	Total  int64 // 合計
	// Deposit is what the customer handed over (預り), Change what they got
	// back (釣銭).
	Deposit, Change int64
	ReceiptNo       string // レシートNo, empty when the provider has none
	Staff           string // 担当, in words
	PaymentMethod   string // e.g. 現金, クレジット; several joined with "・"
	// UpdatedAt is the provider's last change of the record.
	UpdatedAt time.Time
	// Raw is the record exactly as delivered, kept as evidence.
	Raw json.RawMessage
}

// Page is one fetch of a connection's changes.
type Page struct {
	Transactions []Transaction
	// Cursor is where the next fetch continues. The poller saves it in the
	// same database transaction as the page's rows, so a crash between the
	// two loses nothing and stores nothing twice.
	Cursor string
	// More says the provider has further changes now: fetch again at once
	// (within the poller's rate limits) rather than at the next interval.
	More bool
}

// Feed reads one POS connection's transactions. Its errors are *Error, so
// the poller decides retry or stop from their Class alone.
type Feed interface {
	// Changes fetches the records created or changed after cursor; an
	// empty cursor starts from since (the backfill window's start).
	Changes(ctx context.Context, cursor string, since time.Time) (Page, error)
	// Present lists the IDs of the transactions sold in [from, to) that
	// the provider still has, for finding the ones deleted there.
	Present(ctx context.Context, from, to time.Time) (map[string]bool, error)
}
