package ubiregi

import (
	"slices"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// store is one account seen as a shop: its devices' terminals and the ids
// of what the checkouts refer to. It is computed per request from the
// account and the seed (a few hundred bytes), never kept.
type store struct {
	acct  Account
	seed  uint64
	terms []shop.Terminal
	// staff[d][k] is the index in shop.StaffNames of device d's k-th cashier.
	staff [][]int
	// cashiers are the indexes in shop.StaffNames of every device's staff,
	// ascending: the account's cashiers.
	cashiers []int
}

// newStore builds the account's shop. All devices of an account share one
// kind of shop (menu, hours), as the registers of one shop do: device d's
// terminal seed is the first of a few candidates whose profile matches
// device 0's.
func newStore(seed uint64, a Account) *store {
	st := &store{acct: a, seed: seed, terms: make([]shop.Terminal, a.Devices), staff: make([][]int, a.Devices)}
	var want *shop.Profile
	for d := range a.Devices {
		var t shop.Terminal
		for try := uint64(0); try < 64; try++ {
			t = shop.Terminal{Seed: draw(seed, uint64(a.ID), uint64(d), try, hTerminal), Since: a.HistoryFrom}
			if want == nil || t.Profile() == want {
				break
			}
		}
		if want == nil {
			want = t.Profile()
		}
		st.terms[d] = t
		for _, name := range t.Staff() {
			k := slices.Index(shop.StaffNames, name)
			st.staff[d] = append(st.staff[d], k)
			if !slices.Contains(st.cashiers, k) {
				st.cashiers = append(st.cashiers, k)
			}
		}
	}
	slices.Sort(st.cashiers)
	return st
}

// ASSUMPTION: the ids of an account's cashiers, payment types, menu and
// menu items are derived from the account id (id·100 + n), so they are
// stable without being stored; real ids are global sequences.

func (st *store) cashierID(staffIndex int) int64 { return st.acct.ID*100 + 1 + int64(staffIndex) }

func (st *store) paymentTypeID(m shop.Method) int64 { return st.acct.ID*100 + 51 + int64(m) }

func (st *store) menuID() int64 { return st.acct.ID*100 + 99 }

func (st *store) menuItemID(name string) int64 {
	return st.acct.ID*100 + 21 + int64(slices.IndexFunc(st.terms[0].Profile().Menu, func(it shop.Item) bool { return it.Name == name }))
}

// deviceGUID is device d's upper-case UUID, as account.devices[].guid and
// checkout.device_id show it.
func (st *store) deviceGUID(d int) string {
	return guid(draw(st.seed, uint64(st.acct.ID), uint64(d), hDevice), draw(st.seed, uint64(st.acct.ID), uint64(d), hDevice, 1))
}

// checkoutID places a sale in the account's id order.
//
// ASSUMPTION: checkout ids are unique per account, not globally, and
// ordered by payment minute, then device, then place in the minute:
// ((minute·64 + device)·16 + index). Sorting by id (as the API does)
// therefore sorts by payment time to the minute.
func checkoutID(minute int64, device, index int) int64 {
	return (minute*MaxDevices+int64(device))*(shop.MaxPerMinute+1) + int64(index)
}

// minuteOfID is the Unix minute a checkout id belongs to.
func minuteOfID(id int64) int64 {
	if id < 0 {
		return -1 // before every checkout: ids are positive
	}
	return id / (MaxDevices * (shop.MaxPerMinute + 1))
}

// createdDelay is how long after payment the server saw the checkout (the
// iPad uploads it a few seconds later; the real sample shows 0–12 s).
func (st *store) createdDelay(id int64) time.Duration {
	return time.Duration(1+draw(st.seed, uint64(st.acct.ID), uint64(id), hCreated)%8) * time.Second
}

// forEach calls yield with each sale of the account paid in the Unix
// minutes [from, to), in id order, until yield returns false.
func (st *store) forEach(from, to int64, yield func(d int, s shop.Sale) bool) bool {
	if hm := st.acct.HistoryFrom.Unix() / 60; from < hm {
		from = hm
	}
	for m := from; m < to; m++ {
		for d, t := range st.terms {
			if !t.Minute(m, func(s shop.Sale) bool { return yield(d, s) }) {
				return false
			}
		}
	}
	return true
}
