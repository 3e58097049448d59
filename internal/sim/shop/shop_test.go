package shop

import (
	"reflect"
	"testing"
	"time"
)

var day = time.Date(2026, 11, 20, 0, 0, 0, 0, Tokyo) // a Friday

func TestSameSeedSameSales(t *testing.T) {
	a, b := Terminal{Seed: 42}, Terminal{Seed: 42}
	var sa, sb []Sale
	a.Sales(day, day.Add(24*time.Hour), func(s Sale) bool { sa = append(sa, s); return true })
	b.Sales(day, day.Add(24*time.Hour), func(s Sale) bool { sb = append(sb, s); return true })
	if len(sa) == 0 || !reflect.DeepEqual(sa, sb) {
		t.Fatalf("same seed gave different days: %d vs %d sales", len(sa), len(sb))
	}
	var sc []Sale
	Terminal{Seed: 43}.Sales(day, day.Add(24*time.Hour), func(s Sale) bool { sc = append(sc, s); return true })
	if reflect.DeepEqual(sa, sc) {
		t.Fatal("another seed gave the same day")
	}
}

func TestADayOfSalesAddsUp(t *testing.T) {
	kinds := map[LaterKind]int{}
	var voided, total, cash int
	for seed := range uint64(30) {
		term := Terminal{Seed: seed}
		p := term.Profile()
		var last int64 = -1
		term.Sales(day, day.Add(24*time.Hour), func(s Sale) bool {
			total++
			local := s.PaidAt.In(Tokyo)
			if min := local.Hour()*60 + local.Minute(); min < p.Open || min >= p.Close {
				t.Errorf("seed %d: sale at %s outside %s hours", seed, local.Format("15:04"), p.Name)
			}
			if s.Seq() <= last {
				t.Errorf("seed %d: sequence not increasing", seed)
			}
			last = s.Seq()
			if !s.OpenedAt.Before(s.PaidAt) {
				t.Errorf("opened %v not before paid %v", s.OpenedAt, s.PaidAt)
			}
			if s.Voided {
				voided++
				if s.Total != 0 || len(s.Lines) != 0 || s.Later != nil {
					t.Errorf("voided sale has money or a later change: %+v", s)
				}
				return true
			}
			checkAmount(t, s.Amount, s.Method)
			if s.Method == Cash {
				cash++
			}
			if s.Later != nil {
				kinds[s.Later.Kind]++
				if !s.Later.At.After(s.PaidAt) || s.Later.At.Sub(s.PaidAt) > MaxLater {
					t.Errorf("later change at %v for a sale paid %v", s.Later.At, s.PaidAt)
				}
				if s.Later.Kind == Edit {
					checkAmount(t, s.Later.Amount, s.Method)
				}
			}
			if s.Staff < 0 || s.Staff >= len(term.Staff()) {
				t.Errorf("staff index %d", s.Staff)
			}
			return true
		})
	}
	// 30 shops for a day: thousands of sales, mostly cash, a few of each change.
	if total < 1500 || cash < total/3 || voided == 0 || kinds[Cancel] == 0 || kinds[Edit] == 0 || kinds[Dispose] == 0 {
		t.Fatalf("implausible day: %d sales, %d cash, %d voided, changes %v", total, cash, voided, kinds)
	}
}

func checkAmount(t *testing.T, a Amount, m Method) {
	t.Helper()
	var sum int64
	for _, l := range a.Lines {
		sum += l.Price * int64(l.Qty)
	}
	if len(a.Lines) == 0 || sum != a.Total || a.Total <= 0 {
		t.Errorf("lines %v do not total %d", a.Lines, a.Total)
	}
	if a.Deposit-a.Change != a.Total || a.Change < 0 {
		t.Errorf("deposit %d − change %d ≠ total %d", a.Deposit, a.Change, a.Total)
	}
	if m != Cash && a.Change != 0 {
		t.Errorf("change %d on a non-cash payment", a.Change)
	}
	if a.Tax != a.Total*10/110 {
		t.Errorf("tax %d of %d", a.Tax, a.Total)
	}
}

func TestNoSalesBeforeSetUp(t *testing.T) {
	term := Terminal{Seed: 7, Since: day.Add(12 * time.Hour)}
	term.Sales(day, day.Add(24*time.Hour), func(s Sale) bool {
		if s.PaidAt.Before(term.Since) {
			t.Fatalf("sale at %v before set-up at %v", s.PaidAt, term.Since)
		}
		return true
	})
}

func TestChangedSeesLaterChangesOnlyOnceHappened(t *testing.T) {
	terms := []Terminal{{Seed: 1}, {Seed: 2}, {Seed: 3}}
	from, to := day.Add(9*time.Hour), day.Add(21*time.Hour)
	// Every sale and every later change appears in exactly one of a run of
	// one-minute windows, each asked at the end of its minute.
	seen := map[[3]int64]int{}
	for w := from; w.Before(to); w = w.Add(time.Minute) {
		Changed(terms, w, w.Add(time.Minute), w.Add(time.Minute), func(ti int, s Sale) bool {
			seen[[3]int64{int64(ti), s.Seq(), s.UpdatedAt(w.Add(time.Minute)).Unix()}]++
			return true
		})
	}
	want := 0
	Stream(terms, from, to, func(ti int, s Sale) bool {
		want++
		if s.Later != nil && s.Later.At.Before(to) {
			want++
		}
		return true
	})
	// Changes to sales paid before `from` also fall in the windows; count
	// only what the stream covers.
	got := 0
	for k, n := range seen {
		if n != 1 {
			t.Errorf("change %v seen %d times", k, n)
		}
		if time.Unix(k[1]/(MaxPerMinute+1)*60, 0).Before(from) {
			continue
		}
		got++
	}
	if got != want {
		t.Fatalf("windows saw %d changes, the stream has %d", got, want)
	}
}

// A range that does not begin or end on a minute holds exactly the sales
// paid within it: a reconcile over "the last 72 hours" from any second
// must list every sale it would find stored, and no later one.
func TestSalesAndStreamKeepToRangesWithinAMinute(t *testing.T) {
	terms := []Terminal{{Seed: 7}, {Seed: 8}, {Seed: 9}}
	noon := day.Add(12 * time.Hour)
	var all []Sale
	for _, term := range terms {
		term.Sales(noon, noon.Add(time.Hour), func(s Sale) bool { all = append(all, s); return true })
	}
	if len(all) == 0 {
		t.Fatal("no sales at noon: the test tests nothing")
	}
	split := 0
	for _, s := range all {
		from := s.PaidAt.Add(-time.Second)
		if from.Truncate(time.Minute).Equal(from) {
			continue
		}
		split++
		// [s − 1 s, s + 1 s) begins and ends inside minutes.
		to := s.PaidAt.Add(time.Second)
		var want []Sale
		for _, x := range all {
			if !x.PaidAt.Before(from) && x.PaidAt.Before(to) {
				want = append(want, x)
			}
		}
		var got []Sale
		Stream(terms, from, to, func(_ int, x Sale) bool { got = append(got, x); return true })
		if len(got) != len(want) {
			t.Fatalf("Stream over [%s, %s): %d sales, want %d", from, to, len(got), len(want))
		}
		n := 0
		for _, term := range terms {
			term.Sales(from, to, func(Sale) bool { n++; return true })
		}
		if n != len(want) {
			t.Fatalf("Sales over [%s, %s): %d sales, want %d", from, to, n, len(want))
		}
	}
	if split == 0 {
		t.Fatal("no sale after a minute's first second: the test tests nothing")
	}
}
