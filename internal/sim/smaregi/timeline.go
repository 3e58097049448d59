package smaregi

import (
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// The times of a transaction. A register rings a sale up at its own time
// (terminalTranDateTime) and sends it; the server receives it a few seconds
// later (transactionDateTime). Later changes travel the same way.
const (
	// maxRecvDelay bounds the register-to-server delay.
	maxRecvDelay = 8 * time.Second
	// adjustAfterClose is when the day's 精算 (adjustment) runs.
	adjustAfterClose = 20 * time.Minute
	// sumDayStart is when a store's business day (sumDate) begins.
	sumDayStart = 4 * time.Hour
	// maxLaterMinutes bounds, in minutes, how long after a sale a change
	// (and so a disposal record) can come.
	maxLaterMinutes = int64(shop.MaxLater/time.Minute) + 1
)

// Layouts of times on the wire.
const (
	// ASSUMPTION: (#15) the Platform API writes YYYY-MM-DDThh:mm:ss+09:00.
	platformLayout = "2006-01-02T15:04:05-07:00"
	// The legacy API writes JST without a zone (pos-apis §2.9, samples).
	legacyLayout = "2006-01-02 15:04:05"
	dateLayout   = "2006-01-02"
)

// recvDelay is how long event (0: the payment, 1: the later change) of sale
// s took from the register to the server: 1–8 s, fixed per sale.
func recvDelay(t shop.Terminal, s shop.Sale, event uint64) time.Duration {
	return time.Duration(1+draw(t.Seed, pRecvDelay, uint64(s.Minute), uint64(s.Index), event)%8) * time.Second
}

// adjustmentAfter is the first 精算 at or after t: every day, a while after
// the shop closes.
// ASSUMPTION: the adjustment touches every transaction it settles: they get
// sumDivision "2", adjustmentDateTime, and that time as updDateTime. The
// legacy sample shows exactly this (updDateTime == adjustmentDateTime, hours
// after the sale); a poller on upd_date_time sees the day again at night.
func adjustmentAfter(t shop.Terminal, at time.Time) time.Time {
	y, m, d := at.In(jst).Date()
	a := time.Date(y, m, d, 0, 0, 0, 0, jst).Add(time.Duration(t.Profile().Close)*time.Minute + adjustAfterClose)
	if at.After(a) {
		a = a.AddDate(0, 0, 1)
	}
	return a
}

// adjustmentsWithin lists the register's adjustments in [lo, hi].
func adjustmentsWithin(t shop.Terminal, lo, hi time.Time) []time.Time {
	var out []time.Time
	for a := adjustmentAfter(t, lo); !a.After(hi); a = a.AddDate(0, 0, 1) {
		out = append(out, a)
	}
	return out
}

// businessDay is the sumDate of a sale rung up at t: the JST date, with the
// day changing at 04:00 (the stores' sumDateChangeTime), as the legacy
// sample shows (a sale at 00:24 has the previous day's sumDateTime).
func businessDay(t time.Time) time.Time {
	y, m, d := t.In(jst).Add(-sumDayStart).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, jst)
}

// dateNum is a JST date as yyyymmdd, an integer that sorts like the date.
func dateNum(t time.Time) int64 {
	y, m, d := t.In(jst).Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

// dateOfNum is the JST midnight of a yyyymmdd number.
func dateOfNum(n int64) time.Time {
	return time.Date(int(n/10000), time.Month(n/100%100), int(n%100), 0, 0, 0, 0, jst)
}

// floorMinute is the Unix minute holding t.
func floorMinute(t time.Time) int64 { return floorDiv(t.Unix(), 60) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// The transactionHeadId of a record: its minute, its register's place in
// the contract and its place in the minute.
// ASSUMPTION: transactionHeadId = (minute·256 + register)·16 + place, a
// numeric string that grows with time like the real server's sequence.
const (
	regBits   = 8
	placeBits = 4
)

func headID(minute int64, ti, place int) int64 {
	return (minute<<regBits|int64(ti))<<placeBits | int64(place)
}

func splitID(id int64) (minute int64, ti, place int) {
	return id >> (regBits + placeBits), int(id >> placeBits & (1<<regBits - 1)), int(id & (1<<placeBits - 1))
}
