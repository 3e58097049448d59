package ubiregi

import (
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// view is a sale as the server sees it at some instant: its id and the
// state its latest change left it in. It is cheap (no allocation), so a
// query can look at many sales and build JSON only for those it returns.
type view struct {
	id        int64
	device    int
	sale      shop.Sale
	status    string
	amount    shop.Amount
	created   time.Time
	updated   time.Time
	closedAt  time.Time
	deletedAt time.Time
}

// The checkout statuses the simulator emits.
//
// ASSUMPTION: [pos-apis.md §5 #6] a deleted checkout has status "delete",
// as observed live, not "deleted" as documented.
const (
	statusClose  = "close"
	statusCancel = "cancel"
	statusDelete = "delete"
)

// viewAt is the sale of device d as seen at now.
func (st *store) viewAt(d int, s shop.Sale, now time.Time) view {
	v := view{id: checkoutID(s.Minute, d, s.Index), device: d, sale: s, status: statusClose, amount: s.Amount}
	v.created = s.PaidAt.Add(st.createdDelay(v.id))
	v.updated, v.closedAt = v.created, s.PaidAt
	if s.Voided {
		// As observed: discarded before closing, so no money, closed_at
		// null and deleted_at at the moment it was discarded.
		v.status, v.closedAt, v.deletedAt = statusDelete, time.Time{}, s.PaidAt
		v.amount = shop.Amount{}
	}
	if l := s.Current(now); l != nil {
		v.updated = l.At
		switch l.Kind {
		case shop.Cancel:
			// ASSUMPTION: [pos-apis.md §5 #7] a cancel re-delivers the same id with
			// status "cancel" and a newer updated_at; money as paid.
			v.status = statusCancel
		case shop.Edit:
			// An edit re-delivers the same id, still "close", with the
			// edited lines and amounts and a newer updated_at.
			v.amount = l.Amount
		case shop.Dispose:
			// ASSUMPTION: a paid checkout disposed of later is "delete"
			// with deleted_at at the disposal; it keeps closed_at, lines
			// and payments as paid (the observed deletes were never paid).
			v.status, v.deletedAt = statusDelete, l.At
		}
	}
	return v
}

// checkoutJSON is the Checkout object, with the keys in the order of the
// real sample.
//
// ASSUMPTION: [pos-apis.md §5 #8] device_id and taxes are always included,
// without verbose=true (verbose, image and total_count are ignored).
// ASSUMPTION: [pos-apis.md §5 #5] there is no receipt-number field; a
// client shows id (or the end of guid) as the receipt number.
// ASSUMPTION: [pos-apis.md §5 #22] paid_at is the register's own time of
// payment, with no clock skew between register and server.
type checkoutJSON struct {
	ID                int64         `json:"id"`
	GUID              string        `json:"guid"`
	AccountID         int64         `json:"account_id"`
	PaidAt            stamp         `json:"paid_at"`
	ClosedAt          stamp         `json:"closed_at"`
	DeletedAt         stamp         `json:"deleted_at"`
	CreatedAt         stamp         `json:"created_at"`
	UpdatedAt         stamp         `json:"updated_at"`
	OpenedAt          stamp         `json:"opened_at"`
	Price             money         `json:"price"`
	Change            money         `json:"change"`
	CashierID         *int64        `json:"cashier_id"`
	CustomersCount    int           `json:"customers_count"`
	Payments          []paymentJSON `json:"payments"`
	Taxes             []taxJSON     `json:"taxes"`
	Items             []itemJSON    `json:"items"`
	TableIDs          []int64       `json:"table_ids"`
	CustomerTagIDs    []int64       `json:"customer_tag_ids"`
	Modifier          money         `json:"modifier"`
	Status            string        `json:"status"`
	SalesDate         string        `json:"sales_date"`
	DeviceID          string        `json:"device_id"`
	Memo              *string       `json:"memo"`
	MarkColor         *string       `json:"mark_color"`
	CalculationOption calcOption    `json:"calculation_option"`
	Memberships       []struct{}    `json:"memberships"`
}

type paymentJSON struct {
	ID                int64   `json:"id"`
	GUID              string  `json:"guid"`
	PaymentTypeID     int64   `json:"payment_type_id"`
	Amount            money   `json:"amount"`
	PaymentAnnotation *string `json:"payment_annotation"`
	TransactionInfo   *string `json:"transaction_info"`
}

// taxJSON keeps the key order of the real sample.
type taxJSON struct {
	ID       int64  `json:"id"`
	TaxRate  string `json:"tax_rate"`
	TaxType  string `json:"tax_type"`
	Sales    money  `json:"sales"`
	Tax      money  `json:"tax"`
	GUID     string `json:"guid"`
	Discount money  `json:"discount"`
}

type itemJSON struct {
	ID               int64      `json:"id"`
	GUID             string     `json:"guid"`
	MenuItemID       int64      `json:"menu_item_id"`
	Count            int        `json:"count"`
	Sales            money      `json:"sales"`
	UnitPrice        *money     `json:"unit_price"`
	Tax              money      `json:"tax"`
	DiscountSales    money      `json:"discount_sales"`
	DiscountTax      money      `json:"discount_tax"`
	Annotations      []struct{} `json:"annotations"`
	PriceBookID      *int64     `json:"price_book_id"`
	PriceType        string     `json:"price_type"`
	TaxRate          string     `json:"tax_rate"`
	PriceEntryMethod *string    `json:"price_entry_method"`
	CreatedAt        stamp      `json:"created_at"`
	UpdatedAt        stamp      `json:"updated_at"`
}

// dateOffset is the hour the business day changes (account.date_offset).
//
// ASSUMPTION: 6, the value of the live account transcribed in ubiapi's
// schema (U4); the simulated shops sell between 07:00 and 23:00, so it
// never moves a sale to the previous date.
const dateOffset = 6

// salesDate is the business date of an instant in Asia/Tokyo.
func salesDate(t time.Time) string {
	return t.In(shop.Tokyo).Add(-dateOffset * time.Hour).Format(time.DateOnly)
}

// json builds the checkout object of the API from the view.
func (st *store) json(v view) checkoutJSON {
	acct, id := uint64(st.acct.ID), uint64(v.id)
	c := checkoutJSON{
		ID:                v.id,
		GUID:              guid(draw(st.seed, acct, id, hCheckout), draw(st.seed, acct, id, hCheckout, 1)),
		AccountID:         st.acct.ID,
		PaidAt:            stamp(v.sale.PaidAt),
		ClosedAt:          stamp(v.closedAt),
		DeletedAt:         stamp(v.deletedAt),
		CreatedAt:         stamp(v.created),
		UpdatedAt:         stamp(v.updated),
		OpenedAt:          stamp(v.sale.OpenedAt),
		Price:             money(v.amount.Total),
		Change:            money(v.amount.Change),
		CustomersCount:    v.sale.Guests,
		Payments:          []paymentJSON{},
		Taxes:             []taxJSON{},
		Items:             []itemJSON{},
		TableIDs:          []int64{},
		CustomerTagIDs:    []int64{},
		Status:            v.status,
		SalesDate:         salesDate(v.sale.PaidAt),
		DeviceID:          st.deviceGUID(v.device),
		CalculationOption: defaultCalc,
		Memberships:       []struct{}{},
	}
	if v.sale.Voided {
		// As observed: discarded checkouts have no cashier and no guests.
		c.CustomersCount = 0
		return c
	}
	cashier := st.cashierID(st.staff[v.device][v.sale.Staff])
	c.CashierID = &cashier
	if v.amount.Deposit != 0 {
		// One payment of what was handed over: Σ amount = price + change.
		c.Payments = append(c.Payments, paymentJSON{
			ID:            v.id,
			GUID:          guid(draw(st.seed, acct, id, hPayment), draw(st.seed, acct, id, hPayment, 1)),
			PaymentTypeID: st.paymentTypeID(v.sale.Method),
			Amount:        money(v.amount.Deposit),
		})
	}
	if v.amount.Total != 0 {
		// Prices are tax-inclusive (10%): one "included" tax line holds the
		// tax within the total, and the items carry tax 0, as observed.
		c.Taxes = append(c.Taxes, taxJSON{
			ID:      v.id,
			TaxRate: "10.0",
			TaxType: "included",
			Sales:   money(v.amount.Total),
			Tax:     money(v.amount.Tax),
			GUID:    guid(draw(st.seed, acct, id, hTax), draw(st.seed, acct, id, hTax, 1)),
		})
	}
	for j, l := range v.amount.Lines {
		c.Items = append(c.Items, itemJSON{
			ID:          v.id*8 + int64(j),
			GUID:        guid(draw(st.seed, acct, id, hItem, uint64(j)), draw(st.seed, acct, id, hItem, uint64(j), 1)),
			MenuItemID:  st.menuItemID(l.Name),
			Count:       l.Qty,
			Sales:       money(l.Price * int64(l.Qty)),
			Annotations: []struct{}{},
			PriceType:   "intax",
			TaxRate:     "10.0",
			CreatedAt:   stamp(v.created),
			UpdatedAt:   stamp(v.updated),
		})
	}
	return c
}
