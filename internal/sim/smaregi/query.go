package smaregi

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// op compares a record's value with a condition's.
type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

// cond is one filter of a query: the Platform API's parameters and the
// legacy API's conditions both become these.
type cond struct {
	a   attr
	op  op
	v   int64
	str string // for aUUID
}

func (c cond) match(r *rec) bool {
	switch c.a {
	case aNone:
		return false
	case aUUID:
		eq := r.uuid() == c.str
		return eq == (c.op == opEq)
	}
	x := r.vals[c.a]
	switch c.op {
	case opEq:
		return x == c.v
	case opNe:
		return x != c.v
	case opLt:
		return x < c.v
	case opLe:
		return x <= c.v
	case opGt:
		return x > c.v
	default:
		return x >= c.v
	}
}

// sortKey is one key of a `sort` or legacy `order`.
type sortKey struct {
	a    attr
	desc bool
}

// row is what a query keeps of a matching record until the page is cut:
// the values it sorts on and what regenerates the record.
type row struct {
	vals    [nAttrs]int64
	ti      int
	seq     int64 // the sale's Seq()
	negates bool
}

// span is an inclusive range of Unix seconds.
type span struct{ lo, hi int64 }

// bounds is the range conds allow for a, and whether they bound it at all.
func bounds(conds []cond, a attr) (lo, hi int64, bounded bool) {
	lo, hi = math.MinInt64, math.MaxInt64
	for _, c := range conds {
		if c.a != a {
			continue
		}
		switch c.op {
		case opEq:
			lo, hi = max(lo, c.v), min(hi, c.v)
		case opLt:
			hi = min(hi, c.v-1)
		case opLe:
			hi = min(hi, c.v)
		case opGt:
			lo = max(lo, c.v+1)
		case opGe:
			lo = max(lo, c.v)
		default:
			continue
		}
		bounded = true
	}
	return lo, hi, bounded
}

// saleSpans are the payment times of register t's sales that can yield a
// record matching conds, within [from, to]. They only narrow the scan: every
// record found is still checked against every condition.
func saleSpans(conds []cond, t shop.Terminal, from, to int64) []span {
	const later = int64(shop.MaxLater/time.Second) + int64(maxRecvDelay/time.Second)
	out := []span{{from, to}}
	clip := func(lo, hi int64) (int64, int64) { return max(lo, from), min(hi, to) }
	narrow := func(a attr, widen func(lo, hi int64) []span) {
		lo, hi, ok := bounds(conds, a)
		if ok {
			out = intersect(out, widen(lo, hi))
		}
	}
	// A record's times lie at or after its sale's payment, by at most a
	// later change plus a receipt delay: a disposal record is stamped then.
	narrow(aTTDT, func(lo, hi int64) []span { lo, hi = clip(lo, hi); return []span{{sub(lo, later), hi}} })
	narrow(aTDT, func(lo, hi int64) []span { lo, hi = clip(lo, hi); return []span{{sub(lo, later), hi}} })
	narrow(aUpd, func(lo, hi int64) []span {
		lo, hi = clip(lo, hi)
		ss := []span{{sub(lo, later), hi}}
		if lo <= hi {
			// An adjustment stamps the day's records with its own time.
			for _, a := range adjustmentsWithin(t, time.Unix(lo, 0), time.Unix(hi, 0)) {
				ss = append(ss, span{a.Unix() - 24*3600 - later, a.Unix()})
			}
		}
		return ss
	})
	narrow(aSumDate, func(lo, hi int64) []span {
		lo = max(lo, dateNum(time.Unix(from, 0))-1)
		hi = min(hi, dateNum(time.Unix(to, 0))+1)
		if lo > hi {
			return nil
		}
		start := dateOfNum(lo).Add(sumDayStart).Unix()
		end := dateOfNum(hi).AddDate(0, 0, 1).Add(sumDayStart).Unix()
		return []span{{start - later, end}}
	})
	narrow(aID, func(lo, hi int64) []span {
		lo, hi = max(lo, 0), min(hi, headID(to/60+1, 0, 0))
		if lo > hi {
			return nil
		}
		mlo, _, _ := splitID(lo)
		mhi, _, _ := splitID(hi)
		return []span{{mlo*60 - later, mhi*60 + 59}}
	})
	return out
}

// sub is a − b without wrapping below MinInt64.
func sub(a, b int64) int64 {
	if a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

// intersect is the intersection of two sets of spans.
func intersect(a, b []span) []span {
	a, b = merge(a), merge(b)
	var out []span
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, span{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// merge sorts spans and joins overlapping ones.
func merge(ss []span) []span {
	ss = slices.DeleteFunc(slices.Clone(ss), func(s span) bool { return s.lo > s.hi })
	slices.SortFunc(ss, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	var out []span
	for _, s := range ss {
		if n := len(out); n > 0 && s.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// regMatches checks the store and terminal conditions before a register is
// scanned at all.
func regMatches(conds []cond, reg *register) bool {
	var r rec
	r.vals[aStore], r.vals[aTerminal] = int64(reg.store.ID), int64(reg.term.ID)
	for _, c := range conds {
		if (c.a == aStore || c.a == aTerminal) && !c.match(&r) {
			return false
		}
	}
	return true
}

// collect finds every record of the contract matching conds, sorted by keys
// and then by transactionHeadId.
func (sc *scanner) collect(conds []cond, keys []sortKey) []row {
	var rows []row
	now := sc.now.Unix()
	for ti := range sc.a.regs {
		reg := &sc.a.regs[ti]
		if !regMatches(conds, reg) {
			continue
		}
		for _, sp := range saleSpans(conds, reg.shop, reg.shop.Since.Unix(), now) {
			for m := floorDiv(sp.lo, 60); m <= floorDiv(sp.hi, 60); m++ {
				reg.shop.Minute(m, func(s shop.Sale) bool {
					return sc.records(ti, s, func(r *rec) bool {
						for _, c := range conds {
							if !c.match(r) {
								return true
							}
						}
						rows = append(rows, row{vals: r.vals, ti: ti, seq: s.Seq(), negates: r.negates})
						return true
					})
				})
			}
		}
	}
	slices.SortFunc(rows, func(x, y row) int {
		for _, k := range keys {
			if c := cmp.Compare(x.vals[k.a], y.vals[k.a]); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(x.vals[aID], y.vals[aID])
	})
	return rows
}

// page cuts page p (1-based) of size limit out of rows.
func page[T any](rows []T, p, limit int) []T {
	start := (p - 1) * limit
	if p < 1 || limit < 1 || start >= len(rows) || start < 0 {
		return nil
	}
	return rows[start:min(start+limit, len(rows))]
}
