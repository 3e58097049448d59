package smaregi

import (
	"fmt"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// attr is a value of a transaction that queries filter and sort on.
type attr uint8

const (
	aID       attr = iota // transactionHeadId
	aTDT                  // transactionDateTime, Unix seconds
	aTTDT                 // terminalTranDateTime, Unix seconds
	aUpd                  // updDateTime, Unix seconds
	aSumDate              // sumDate as yyyymmdd
	aStore                // storeId
	aTerminal             // terminalId
	aTranID               // terminalTranId
	aDivision             // transactionHeadDivision
	aCustomer             // customerId (the simulated shops have no members: 0)
	aCancel               // cancelDivision
	aDispose              // disposeDivision
	nAttrs
	aUUID // transactionUuid, compared as a string
	aNone // a filter on a column the simulated shops never fill
)

// rec is one transaction as the server shows it at a moment: a sale, or the
// negating record (打消) of a disposed one.
type rec struct {
	reg  *register
	ti   int
	sale shop.Sale
	// negates marks the 打消 record (disposeDivision "2") of sale.
	negates bool
	// change is the sale's later change once the server has it.
	change *shop.Later
	// linkID is the other half of a disposal pair (0: none).
	linkID int64
	ttdt   time.Time // on the register
	tdt    time.Time // received by the server
	upd    time.Time
	adjAt  time.Time // zero until the day's adjustment ran
	vals   [nAttrs]int64
}

// cancelled, edited, disposed tell the original's later change.
func (r *rec) cancelled() bool { return !r.negates && r.change != nil && r.change.Kind == shop.Cancel }
func (r *rec) edited() bool    { return !r.negates && r.change != nil && r.change.Kind == shop.Edit }
func (r *rec) disposed() bool  { return !r.negates && r.change != nil && r.change.Kind == shop.Dispose }

// uuid is the receipt number (transactionUuid): store, register and the
// register's sequence, 13 digits like the legacy sample's.
func (r *rec) uuid() string {
	return fmt.Sprintf("%02d%02d%09d", r.vals[aStore]%100, r.vals[aTerminal]%100, r.vals[aTranID]%1_000_000_000)
}

// scanner reads one contract's transactions at one moment. It remembers
// the disposal slots it has worked out, so a request computes each once.
type scanner struct {
	a     *account
	now   time.Time
	slots map[slotKey]*slot
}

func newScanner(a *account, now time.Time) *scanner {
	return &scanner{a: a, now: now, slots: map[slotKey]*slot{}}
}

type slotKey struct {
	ti     int
	minute int64
}

// slot is what one register's minute holds: n sales (places 0…n−1), then
// the 打消 records of disposals done in that minute, in the order of the
// sales they negate (places n, n+1, …).
type slot struct {
	n    int
	seqs []int64 // the disposed sales' Seq()
}

func (sc *scanner) slot(ti int, m int64) *slot {
	k := slotKey{ti, m}
	if sl, ok := sc.slots[k]; ok {
		return sl
	}
	sl := &slot{}
	t := sc.a.regs[ti].shop
	for pm := m - maxLaterMinutes; pm <= m; pm++ {
		t.Minute(pm, func(s shop.Sale) bool {
			if pm == m {
				sl.n++
			}
			if s.Later != nil && s.Later.Kind == shop.Dispose && floorMinute(s.Later.At) == m {
				sl.seqs = append(sl.seqs, s.Seq())
			}
			return true
		})
	}
	sc.slots[k] = sl
	return sl
}

// disposalID is the transactionHeadId of the 打消 record of sale s: the next
// free place in the register's minute of the disposal.
// A minute with more than 16 sales and disposals cannot be numbered; with
// at most a few sales a minute that never happens in practice, and such a
// record would be left out.
func (sc *scanner) disposalID(ti int, s shop.Sale) (int64, bool) {
	m := floorMinute(s.Later.At)
	sl := sc.slot(ti, m)
	for k, seq := range sl.seqs {
		if seq == s.Seq() && sl.n+k < 1<<placeBits {
			return headID(m, ti, sl.n+k), true
		}
	}
	return 0, false
}

// records calls yield with the records sale s of register ti shows now:
// none before the server has it (or if it was voided), the sale itself,
// and, once a disposal has arrived, its 打消 record.
func (sc *scanner) records(ti int, s shop.Sale, yield func(*rec) bool) bool {
	reg := &sc.a.regs[ti]
	if s.Voided {
		return true // discarded before payment: never sent
	}
	pay := s.PaidAt.Add(recvDelay(reg.shop, s, 0))
	if pay.After(sc.now) {
		return true
	}
	r := rec{reg: reg, ti: ti, sale: s, ttdt: s.PaidAt, tdt: pay, upd: pay}
	var laterRecv time.Time
	if s.Later != nil {
		laterRecv = s.Later.At.Add(recvDelay(reg.shop, s, 1))
		if !laterRecv.After(sc.now) {
			r.change = s.Later
			r.upd = laterRecv
		}
	}
	var negID int64
	negates := r.disposed()
	if negates {
		var ok bool
		if negID, ok = sc.disposalID(ti, s); ok {
			r.linkID = negID
		} else {
			negates = false
		}
	}
	sc.finish(&r, headID(s.Minute, ti, s.Index), s.Seq())
	// A record the shop deleted is not shown; its pair keeps its place.
	if !sc.a.deleted[r.vals[aID]] && !yield(&r) {
		return false
	}
	if !negates {
		return true
	}
	m, _, place := splitID(negID)
	n := rec{reg: reg, ti: ti, sale: s, negates: true, linkID: r.vals[aID],
		ttdt: s.Later.At, tdt: laterRecv, upd: laterRecv}
	sc.finish(&n, negID, m<<placeBits|int64(place))
	if sc.a.deleted[negID] {
		return true
	}
	return yield(&n)
}

// finish adds the adjustment and fills in the values queries look at.
func (sc *scanner) finish(r *rec, id, tranSeq int64) {
	if adj := adjustmentAfter(r.reg.shop, r.tdt); !adj.After(sc.now) {
		r.adjAt = adj
		if adj.After(r.upd) {
			r.upd = adj
		}
	}
	v := &r.vals
	v[aID] = id
	v[aTDT] = r.tdt.Unix()
	v[aTTDT] = r.ttdt.Unix()
	v[aUpd] = r.upd.Unix()
	v[aSumDate] = dateNum(businessDay(r.ttdt))
	v[aStore] = int64(r.reg.store.ID)
	v[aTerminal] = int64(r.reg.term.ID)
	v[aTranID] = tranSeq
	v[aDivision] = 1 // 通常: the shops ring up sales only
	switch {
	case r.cancelled():
		v[aCancel] = 1
	case r.negates:
		v[aDispose] = 2
	case r.disposed() && r.linkID != 0:
		v[aDispose] = 1
	}
}

// sale regenerates sale seq of register ti.
func (sc *scanner) sale(ti int, seq int64) (shop.Sale, bool) {
	var found shop.Sale
	ok := false
	sc.a.regs[ti].shop.Minute(seq>>placeBits, func(s shop.Sale) bool {
		if s.Seq() == seq {
			found, ok = s, true
			return false
		}
		return true
	})
	return found, ok
}

// record regenerates the record of sale seq (its 打消 record if negates).
func (sc *scanner) record(ti int, seq int64, negates bool) (rec, bool) {
	var out rec
	found := false
	s, ok := sc.sale(ti, seq)
	if !ok {
		return out, false
	}
	sc.records(ti, s, func(r *rec) bool {
		if r.negates == negates {
			out, found = *r, true
			return false
		}
		return true
	})
	return out, found
}

// byID finds the record with a transactionHeadId, if the server has it now.
func (sc *scanner) byID(id int64) (rec, bool) {
	if id <= 0 {
		return rec{}, false
	}
	m, ti, place := splitID(id)
	if ti >= len(sc.a.regs) {
		return rec{}, false
	}
	var n int
	sc.a.regs[ti].shop.Minute(m, func(shop.Sale) bool { n++; return true })
	if place < n {
		return sc.record(ti, m<<placeBits|int64(place), false)
	}
	sl := sc.slot(ti, m)
	if k := place - sl.n; k < len(sl.seqs) {
		r, ok := sc.record(ti, sl.seqs[k], true)
		return r, ok && r.vals[aID] == id
	}
	return rec{}, false
}
