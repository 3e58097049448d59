package ubiregi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is a checkout's status.
type Status string

// The statuses of a checkout. Ubiregi documents "deleted" for a checkout
// discarded before closing; live answers say "delete" (pos-apis §1.4).
const (
	StatusOpen    Status = "open"
	StatusClose   Status = "close"
	StatusCancel  Status = "cancel"
	StatusDelete  Status = "delete"
	StatusDeleted Status = "deleted"
)

// Checkout is a checkout as the collection delivers it, checked.
type Checkout struct {
	ID       int64
	DeviceID string
	Status   Status
	// PaidAt is the register's time of payment; for a checkout deleted
	// before it was paid, when it was deleted. Zero for an open one.
	PaidAt    time.Time
	UpdatedAt time.Time
	// Price is the total, Change what was given back, in yen.
	Price, Change int64
	// CashierID is 0 when the cashier was skipped.
	CashierID int64
	Payments  []Payment
	// Raw is the checkout exactly as delivered.
	Raw json.RawMessage
}

// Payment is one payment of a checkout.
type Payment struct {
	PaymentTypeID int64
	Amount        int64
}

// checkoutJSON is what is read of a checkout. Pointers tell a field that
// is missing (or null) from a zero value.
type checkoutJSON struct {
	ID        *int64  `json:"id"`
	DeviceID  *string `json:"device_id"`
	Status    *string `json:"status"`
	PaidAt    *string `json:"paid_at"`
	DeletedAt *string `json:"deleted_at"`
	UpdatedAt *string `json:"updated_at"`
	Price     *string `json:"price"`
	Change    *string `json:"change"`
	CashierID *int64  `json:"cashier_id"`
	Payments  *[]struct {
		PaymentTypeID *int64  `json:"payment_type_id"`
		Amount        *string `json:"amount"`
	} `json:"payments"`
}

// parseCheckout reads and checks one checkout of a page.
func parseCheckout(raw json.RawMessage, now time.Time) (Checkout, error) {
	var j checkoutJSON
	if err := decodeStrict(raw, &j); err != nil {
		return Checkout{}, err
	}
	if j.ID == nil || *j.ID <= 0 {
		return Checkout{}, fmt.Errorf("no id")
	}
	co := Checkout{ID: *j.ID, Raw: raw}
	fail := func(format string, args ...any) (Checkout, error) {
		return Checkout{}, fmt.Errorf("id %d: %s", co.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case j.DeviceID == nil || *j.DeviceID == "":
		return fail("no device_id")
	case len(*j.DeviceID) > maxGUID || !utf8.ValidString(*j.DeviceID) || strings.ContainsAny(*j.DeviceID, "\x00\n\r"):
		return fail("device_id is not a GUID")
	case j.Status == nil:
		return fail("no status")
	case j.UpdatedAt == nil:
		return fail("no updated_at")
	case j.Price == nil || j.Change == nil:
		return fail("no price or change")
	case j.Payments == nil:
		return fail("no payments")
	}
	co.DeviceID, co.Status = *j.DeviceID, Status(*j.Status)
	var err error
	if co.UpdatedAt, err = parseTime(*j.UpdatedAt, now); err != nil {
		return fail("updated_at: %v", err)
	}
	switch co.Status {
	case StatusClose, StatusCancel, StatusDelete, StatusDeleted:
		when := j.PaidAt
		if when == nil && co.deleted() {
			when = j.DeletedAt
		}
		if when == nil {
			return fail("status %s without paid_at", co.Status)
		}
		if co.PaidAt, err = parseTime(*when, now); err != nil {
			return fail("paid_at: %v", err)
		}
	case StatusOpen:
		// Not a sale yet: its payment comes with a later update.
	default:
		return fail("status %q is none of the API's", co.Status)
	}
	if co.Price, err = parseMoney(*j.Price); err != nil {
		return fail("price: %v", err)
	}
	if co.Change, err = parseMoney(*j.Change); err != nil {
		return fail("change: %v", err)
	}
	if co.Price < 0 || co.Change < 0 {
		return fail("a negative price (%d) or change (%d)", co.Price, co.Change)
	}
	if j.CashierID != nil {
		if *j.CashierID <= 0 {
			return fail("cashier_id %d", *j.CashierID)
		}
		co.CashierID = *j.CashierID
	}
	for i, p := range *j.Payments {
		if p.PaymentTypeID == nil || *p.PaymentTypeID <= 0 || p.Amount == nil {
			return fail("payment %d without payment_type_id or amount", i+1)
		}
		amount, err := parseMoney(*p.Amount)
		if err != nil || amount < 0 {
			return fail("payment %d: amount %q", i+1, *p.Amount)
		}
		co.Payments = append(co.Payments, Payment{PaymentTypeID: *p.PaymentTypeID, Amount: amount})
	}
	return co, nil
}

// deleted reports whether the checkout was deleted (discarded or removed).
func (co Checkout) deleted() bool { return co.Status == StatusDelete || co.Status == StatusDeleted }

// Deposit is what the customer handed over: the sum of the payments
// (Ubiregi has no deposit field; Σ amount = price + change, pos-apis §1.4).
func (co Checkout) Deposit() int64 {
	var n int64
	for _, p := range co.Payments {
		n += p.Amount
	}
	return n
}
