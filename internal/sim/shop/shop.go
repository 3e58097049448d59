// Package shop invents the sales of simulated POS terminals from a seed and
// the clock, so that a simulator with 100,000 terminals and months of history
// stores none of it: any minute of any terminal is computed on demand, the
// same every time.
//
// A terminal's day follows its shop's rhythm (opening hours, rush hours,
// busier weekends). A sale has lines from the menu, a payment by cash (with
// a deposit and change that add up), card or QR code, and a cashier. A few
// sales are voided before payment, and a few paid ones are later cancelled,
// edited or disposed of (negated).
package shop

import (
	"math"
	"time"
)

// MaxPerMinute bounds a terminal's sales in one minute, so that a sale's
// place in its minute fits in four bits of an ID.
const MaxPerMinute = 15

// MaxLater is the longest a cancel, edit or disposal comes after the sale:
// a query for changes since T need look no further back than T − MaxLater.
const MaxLater = 3 * time.Hour

// Terminal is one register.
type Terminal struct {
	// Seed makes this terminal's sales its own.
	Seed uint64
	// Since is when the terminal was set up: it has no sales before.
	Since time.Time
}

// Profile is the kind of shop the terminal's seed picks.
func (t Terminal) Profile() *Profile { return &Profiles[pick(draw(t.Seed, 0xbeef), len(Profiles))] }

// Staff are the cashiers of the terminal's shop (three to five).
func (t Terminal) Staff() []string {
	n := 3 + pick(draw(t.Seed, 0x57aff), 3)
	first := pick(draw(t.Seed, 0x57af1), len(StaffNames))
	out := make([]string, n)
	for i := range out {
		out[i] = StaffNames[(first+i)%len(StaffNames)]
	}
	return out
}

// Method is how a sale was paid.
type Method int

// The payment methods.
const (
	Cash Method = iota
	Card
	QR
)

// Line is one line of a sale.
type Line struct {
	Item
	Qty int
}

// Amount is what a sale came to.
type Amount struct {
	Lines   []Line
	Total   int64 // tax included
	Tax     int64 // the 10% consumption tax within Total
	Deposit int64 // what the customer handed over (お預かり)
	Change  int64 // Deposit − Total
}

// LaterKind is what happened to a paid sale afterwards.
type LaterKind int

// The kinds of later change.
const (
	Cancel  LaterKind = iota + 1 // 取消: the sale itself is marked cancelled
	Edit                         // 修正: the same sale with new lines and amounts
	Dispose                      // 打消/削除: the sale is negated or deleted
)

// Later is a change to a sale after it was paid.
type Later struct {
	Kind LaterKind
	At   time.Time
	// Amount is the edited amount (Edit only).
	Amount Amount
}

// Sale is one checkout at a terminal.
type Sale struct {
	// Minute is the Unix minute the sale was paid in, and Index its place
	// within that minute: together they order and identify the sale.
	Minute int64
	Index  int
	// OpenedAt is when the checkout was opened; PaidAt when it was paid (or
	// discarded, when Voided).
	OpenedAt, PaidAt time.Time
	Method           Method
	Amount
	// Staff is the cashier's index in Terminal.Staff().
	Staff  int
	Guests int
	// Voided sales were discarded before payment: no lines, no money.
	Voided bool
	// Later is the cancel, edit or disposal that follows, if any; it may
	// lie in the future of the clock, and then has not happened yet.
	Later *Later
}

// Seq is the sale's sequence number at its terminal: increasing with time.
func (s Sale) Seq() int64 { return s.Minute*(MaxPerMinute+1) + int64(s.Index) }

// UpdatedAt is when the sale last changed, as seen at now: the later
// change's time once it has happened, else the payment.
func (s Sale) UpdatedAt(now time.Time) time.Time {
	if s.Later != nil && !s.Later.At.After(now) {
		return s.Later.At
	}
	return s.PaidAt
}

// Current is the sale's later change if it has happened by now.
func (s Sale) Current(now time.Time) *Later {
	if s.Later != nil && !s.Later.At.After(now) {
		return s.Later
	}
	return nil
}

// count is how many sales the terminal has in the Unix minute m.
func (t Terminal) count(m int64) int {
	start := time.Unix(m*60, 0)
	if start.Before(t.Since) {
		return 0
	}
	lambda := t.Profile().rate(start.In(Tokyo))
	if lambda == 0 {
		return 0
	}
	// Poisson by inversion of one uniform draw.
	u := unit(draw(t.Seed, pCount, uint64(m)))
	p := math.Exp(-lambda)
	cum, n := p, 0
	for u > cum && n < MaxPerMinute {
		n++
		p *= lambda / float64(n)
		cum += p
	}
	return n
}

// Minute calls yield with each sale paid in the Unix minute m, in order.
func (t Terminal) Minute(m int64, yield func(Sale) bool) bool {
	n := t.count(m)
	for i := range n {
		if !yield(t.sale(m, i, n)) {
			return false
		}
	}
	return true
}

// Sales calls yield with every sale paid in [from, to), in order, until
// yield returns false.
func (t Terminal) Sales(from, to time.Time, yield func(Sale) bool) {
	for m := floorMinute(from); m < ceilMinute(to); m++ {
		if !t.Minute(m, paidIn(from, to, yield)) {
			return
		}
	}
}

// paidIn passes on to yield the sales paid in [from, to): the first and
// last minutes of a range that does not begin or end on a minute hold
// sales on both sides of it.
func paidIn(from, to time.Time, yield func(Sale) bool) func(Sale) bool {
	return func(s Sale) bool {
		if s.PaidAt.Before(from) || !s.PaidAt.Before(to) {
			return true
		}
		return yield(s)
	}
}

// floorMinute is the Unix minute t falls in.
func floorMinute(t time.Time) int64 {
	m := t.Unix() / 60
	if time.Unix(m*60, 0).After(t) {
		m-- // before 1970
	}
	return m
}

// ceilMinute is the first Unix minute starting at or after t.
func ceilMinute(t time.Time) int64 {
	m := floorMinute(t)
	if time.Unix(m*60, 0).Before(t) {
		m++
	}
	return m
}

// sale builds the i-th of n sales of minute m.
func (t Terminal) sale(m int64, i, n int) Sale {
	key := func(purpose uint64, extra ...uint64) uint64 {
		return draw(append([]uint64{t.Seed, purpose, uint64(m), uint64(i)}, extra...)...)
	}
	// Spread the n sales over the minute, in order, whole seconds apart.
	slot := 60 / n
	sec := i*slot + pick(key(pOffset), slot)
	paid := time.Unix(m*60+int64(sec), 0).UTC()
	s := Sale{
		Minute: m, Index: i, PaidAt: paid,
		OpenedAt: paid.Add(-time.Duration(20+pick(key(pOpenFor), 400)) * time.Second),
		Staff:    pick(key(pStaff), len(t.Staff())),
		Guests:   1 + pick(key(pGuests), 3),
	}
	if unit(key(pVoid)) < 0.01 {
		s.Voided = true
		return s
	}
	menu := t.Profile().Menu
	for l := range 1 + pick(key(pLines), 4) {
		qty := 1
		if unit(key(pQty, uint64(l))) < 0.2 {
			qty = 2 + pick(key(pQty, uint64(l), 1), 2)
		}
		s.Lines = append(s.Lines, Line{Item: menu[pick(key(pItem, uint64(l)), len(menu))], Qty: qty})
	}
	switch u := unit(key(pMethod)); {
	case u < 0.6:
		s.Method = Cash
	case u < 0.9:
		s.Method = Card
	default:
		s.Method = QR
	}
	s.Amount = settle(s.Lines, s.Method, key(pDeposit))

	switch u := unit(key(pLater)); {
	case u < 0.02:
		s.Later = &Later{Kind: Cancel, At: paid.Add(time.Duration(1+pick(key(pLaterAt), 60)) * time.Minute)}
	case u < 0.035:
		at := paid.Add(time.Duration(5+pick(key(pLaterAt), 175)) * time.Minute)
		s.Later = &Later{Kind: Edit, At: at, Amount: settle(edit(s.Lines), s.Method, key(pDeposit, 1))}
	case u < 0.045:
		s.Later = &Later{Kind: Dispose, At: paid.Add(time.Duration(2+pick(key(pLaterAt), 120)) * time.Minute)}
	}
	return s
}

// edit is what a correction does to a sale: a line fewer, or one more of
// the first line when there is only one.
func edit(lines []Line) []Line {
	if len(lines) > 1 {
		return lines[:len(lines)-1]
	}
	out := []Line{lines[0]}
	out[0].Qty++
	return out
}

// settle totals lines and works out what was handed over and given back.
func settle(lines []Line, m Method, h uint64) Amount {
	a := Amount{Lines: lines}
	for _, l := range lines {
		a.Total += l.Price * int64(l.Qty)
	}
	a.Tax = a.Total * 10 / 110
	a.Deposit = a.Total
	if m == Cash {
		// People pay exactly, or with the next round note or coin.
		steps := []int64{1, 100, 500, 1000, 5000, 10000}
		step := steps[pick(h, len(steps))]
		a.Deposit = (a.Total + step - 1) / step * step
	}
	a.Change = a.Deposit - a.Total
	return a
}
