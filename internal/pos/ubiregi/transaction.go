package ubiregi

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// Directory names what a checkout refers to by id — its cashier, payment
// types and device — and holds the zone its times are shown in: what the
// account (accounts/current) says, read once and kept while it serves.
type Directory struct {
	loc          *time.Location
	cashiers     map[int64]string
	paymentTypes map[int64]string
	// devices maps a GUID in upper case to the account's own spelling,
	// which is the terminal key bindings store.
	devices map[string]string
}

// defaultZone is an account's zone when it names none.
//
// ASSUMPTION: an account without a timezone is in Japan (Ubiregi's
// market); every account seen names Asia/Tokyo.
const defaultZone = "Asia/Tokyo"

// NewDirectory reads the account's names and zone. An unknown zone is
// Malformed: its times could not be shown right.
func NewDirectory(a Account) (*Directory, error) {
	zone := a.Timezone
	if zone == "" {
		zone = defaultZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, malformed("read the current account", "timezone "+strconv.Quote(zone)+" is not a known zone")
	}
	d := &Directory{loc: loc, cashiers: map[int64]string{}, paymentTypes: map[int64]string{}, devices: map[string]string{}}
	for _, c := range a.Cashiers {
		d.cashiers[c.ID] = c.Name
	}
	for _, p := range a.PaymentTypes {
		d.paymentTypes[p.ID] = p.Name
	}
	for _, dev := range a.Devices {
		d.devices[strings.ToUpper(dev.GUID)] = dev.GUID
	}
	return d, nil
}

// Knows reports whether the directory names every id the checkout refers
// to; when it does not, the account has changed since it was read.
func (d *Directory) Knows(co Checkout) bool {
	if _, ok := d.devices[strings.ToUpper(co.DeviceID)]; !ok {
		return false
	}
	if _, ok := d.cashiers[co.CashierID]; co.CashierID != 0 && !ok {
		return false
	}
	for _, p := range co.Payments {
		if _, ok := d.paymentTypes[p.PaymentTypeID]; !ok {
			return false
		}
	}
	return true
}

// Transaction is the checkout as the dashboard stores it; ok is false for
// an open checkout, which is no sale yet. Names the directory does not
// know (a cashier deleted since) are left empty.
//
// Kinds: close is a payment, cancel a cancel (取消 after closing), delete
// and deleted a deletion. Ubiregi has no receipt number (pos-apis §5 #5):
// ReceiptNo stays empty and the dashboard shows the ID. The terminal key is
// the device's GUID as the account lists it (bindings store that), else as
// the checkout has it.
func (d *Directory) Transaction(co Checkout) (pos.Transaction, bool) {
	var kind pos.Kind
	switch co.Status {
	case StatusClose:
		kind = pos.Payment
	case StatusCancel:
		kind = pos.Cancel
	case StatusDelete, StatusDeleted:
		kind = pos.Delete
	default:
		return pos.Transaction{}, false
	}
	key, ok := d.devices[strings.ToUpper(co.DeviceID)]
	if !ok {
		key = co.DeviceID
	}
	var methods []string
	for _, p := range co.Payments {
		if name := d.paymentTypes[p.PaymentTypeID]; name != "" && !slices.Contains(methods, name) {
			methods = append(methods, name)
		}
	}
	return pos.Transaction{
		ID:            strconv.FormatInt(co.ID, 10),
		TerminalKey:   key,
		SoldAt:        co.PaidAt.In(d.loc),
		Kind:          kind,
		Total:         co.Price,
		Deposit:       co.Deposit(),
		Change:        co.Change,
		Staff:         d.cashiers[co.CashierID],
		PaymentMethod: strings.Join(methods, "・"),
		UpdatedAt:     co.UpdatedAt,
		Raw:           co.Raw,
	}, true
}
