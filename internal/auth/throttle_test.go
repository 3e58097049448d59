package auth_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/auth"
)

var policy = auth.DefaultPolicy

// wrongFrom is n wrong logins for email, from ip(i).
func wrongFrom(n int, email string, ip func(i int) string) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = attempt{email, wrongPW, ip(i)}
	}
	return out
}

func one(ip string) func(int) string { return func(int) string { return ip } }

func many(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s.%d", prefix, i+1) }
}

func (f *fixture) failures(t *testing.T, scope string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(),
		`SELECT coalesce(sum(failures), 0) FROM login_attempts WHERE scope = $1`, scope).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 10, finding 1: a burst all read the old count and were all checked.
func TestParallelWrongLoginsFromOneAddressCheckAtMostTheLimit(t *testing.T) {
	f := newFixture(t)
	const attacker = "203.0.113.7"
	n := checked(t, f.burst(wrongFrom(30, ownerEmail, one(attacker))))
	if n > policy.PerAccountAddress.Max || n == 0 {
		t.Fatalf("%d of 30 parallel wrong logins were checked, want 1 to %d", n, policy.PerAccountAddress.Max)
	}
	if got := f.failures(t, "account_address"); got != n {
		t.Fatalf("%d failures counted for %d checked", got, n)
	}
	// The limit is reached: a second burst holding the right password
	// checks nothing, and the right password does not get in.
	second := wrongFrom(29, ownerEmail, one(attacker))
	second = append(second, attempt{ownerEmail, ownerPW, attacker})
	errs := f.burst(second)
	if n := checked(t, errs); n != 0 {
		t.Fatalf("%d attempts checked after the limit, want 0", n)
	}
	wantThrottled(t, errs[len(errs)-1], policy.PerAccountAddress.Window)
}

func TestParallelWrongLoginsForAnUnknownEmailAreCappedAlike(t *testing.T) {
	f := newFixture(t)
	n := checked(t, f.burst(wrongFrom(30, "nobody@shop.example", one("203.0.113.7"))))
	if n > policy.PerAccountAddress.Max || n == 0 {
		t.Fatalf("%d of 30 checked, want 1 to %d", n, policy.PerAccountAddress.Max)
	}
}

// Issue 10, finding 1: 50 addresses in parallel got 42 checks.
func TestParallelWrongLoginsFromManyAddressesAreCappedPerAccount(t *testing.T) {
	f := newFixture(t)
	n := checked(t, f.burst(wrongFrom(50, ownerEmail, many("203.0.113"))))
	if n > policy.PerAccount.Max || n == 0 {
		t.Fatalf("%d of 50 parallel wrong logins from 50 addresses were checked, want 1 to %d", n, policy.PerAccount.Max)
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, "192.0.2.99"), policy.PerAccount.Window)
}

func TestParallelWrongLoginsAcrossAccountsAreCappedPerAddress(t *testing.T) {
	f := newFixture(t)
	const sprayer = "203.0.113.7"
	spray := make([]attempt, 40)
	for i := range spray {
		spray[i] = attempt{fmt.Sprintf("guess%d@shop.example", i), wrongPW, sprayer}
	}
	n := checked(t, f.burst(spray))
	if n > policy.PerAddress.Max || n == 0 {
		t.Fatalf("%d of 40 checked, want 1 to %d", n, policy.PerAddress.Max)
	}
	if n < policy.PerAddress.Max {
		// Parallel reservations of one address queue on its row: all of
		// its slots are taken, none lost.
		t.Fatalf("%d of 40 checked, want the whole limit %d", n, policy.PerAddress.Max)
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, sprayer), policy.PerAddress.Window)
	if err := f.login(ownerEmail, ownerPW, "192.0.2.10"); err != nil {
		t.Fatalf("the owner at another address: %v", err)
	}
}

// Issue 10, finding 2: five failures from anywhere paused the account
// everywhere.
func TestOneAttackerAddressDoesNotLockTheOwnerOut(t *testing.T) {
	f := newFixture(t)
	const attacker = "203.0.113.7"
	// The attacker keeps going: a burst, and the next window's slots as
	// soon as it opens.
	f.burst(wrongFrom(30, ownerEmail, one(attacker)))
	wantThrottled(t, f.login(ownerEmail, ownerPW, attacker), policy.PerAccountAddress.Window)
	if err := f.login(ownerEmail, ownerPW, "192.0.2.10"); err != nil {
		t.Fatalf("the owner at their address, never used before: %v", err)
	}
	f.age(t, policy.PerAccountAddress.Window)
	if n := checked(t, f.burst(wrongFrom(30, ownerEmail, one(attacker)))); n != policy.PerAccountAddress.Max {
		t.Fatalf("next window: %d checked, want %d", n, policy.PerAccountAddress.Max)
	}
	if err := f.login(ownerEmail, ownerPW, "192.0.2.11"); err != nil {
		t.Fatalf("the owner at another new address: %v", err)
	}
	// The attacker's window doubled.
	wantThrottled(t, f.login(ownerEmail, wrongPW, attacker), 2*policy.PerAccountAddress.Window)
}

// Guessing from many addresses pauses the account, but not where the owner
// logged in lately; and the owner's login does not reset the count.
func TestDistributedGuessingSparesTheOwnersKnownAddress(t *testing.T) {
	f := newFixture(t)
	const home = "198.51.100.7"
	if err := f.login(ownerEmail, ownerPW, home); err != nil {
		t.Fatal(err)
	}
	f.burst(wrongFrom(50, ownerEmail, many("203.0.113")))
	wantThrottled(t, f.login(ownerEmail, ownerPW, "192.0.2.99"), policy.PerAccount.Window)
	if err := f.login(ownerEmail, ownerPW, home); err != nil {
		t.Fatalf("the owner at home: %v", err)
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, "192.0.2.99"), policy.PerAccount.Window)
	// Home is still held by its own limit.
	for range policy.PerAccountAddress.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, home))
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, home), policy.PerAccountAddress.Window)
}

func TestAKnownAddressIsForgotten(t *testing.T) {
	f := newFixture(t)
	const home = "198.51.100.7"
	if err := f.login(ownerEmail, ownerPW, home); err != nil {
		t.Fatal(err)
	}
	f.age(t, policy.KnownAddressFor)
	f.burst(wrongFrom(50, ownerEmail, many("203.0.113")))
	wantThrottled(t, f.login(ownerEmail, ownerPW, home), policy.PerAccount.Window)
}

// A right password gives back its own slot of the account-wide count, no
// more: others' failures still count.
func TestARightPasswordGivesBackOnlyItsSlot(t *testing.T) {
	f := newFixture(t)
	for i := range policy.PerAccount.Max - 1 {
		wantInvalid(t, f.login(ownerEmail, wrongPW, fmt.Sprintf("203.0.113.%d", i+1)))
	}
	if err := f.login(ownerEmail, ownerPW, "192.0.2.10"); err != nil {
		t.Fatalf("the owner with one slot left: %v", err)
	}
	wantInvalid(t, f.login(ownerEmail, wrongPW, "203.0.113.100"))
	wantThrottled(t, f.login(ownerEmail, wrongPW, "203.0.113.101"), policy.PerAccount.Window)
}

// Per address likewise: logging in to one's own account does not reset the
// address's count of failures against others.
func TestARightPasswordGivesBackOnlyItsSlotOfTheAddress(t *testing.T) {
	f := newFixture(t)
	const sprayer = "198.51.100.50"
	for i := range policy.PerAddress.Max - 1 {
		wantInvalid(t, f.login(fmt.Sprintf("guess%d@shop.example", i), wrongPW, sprayer))
	}
	for range 3 {
		if err := f.login(ownerEmail, ownerPW, sprayer); err != nil {
			t.Fatal(err)
		}
	}
	wantInvalid(t, f.login("last@shop.example", wrongPW, sprayer))
	wantThrottled(t, f.login("after@shop.example", wrongPW, sprayer), policy.PerAddress.Window)
}

func TestARightPasswordClearsItsAddressFailures(t *testing.T) {
	f := newFixture(t)
	const shop = "198.51.100.7"
	for range policy.PerAccountAddress.Max - 1 {
		wantInvalid(t, f.login(ownerEmail, wrongPW, shop))
	}
	if err := f.login(ownerEmail, ownerPW, shop); err != nil {
		t.Fatal(err)
	}
	for range policy.PerAccountAddress.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, shop))
	}
	e := wantThrottled(t, f.login(ownerEmail, ownerPW, shop), policy.PerAccountAddress.Window)
	if e.Key != "err.login_throttled" || !slices.Equal(e.Args, []any{15}) {
		t.Fatalf("message %s %v, want err.login_throttled [15]", e.Key, e.Args)
	}
}

// A paused address waits for the window's end; each window that reached
// the limit doubles the next, up to 8 hours; a day without failures
// forgets.
func TestLimitsExpireAndGrow(t *testing.T) {
	f := newFixture(t)
	const ip = "198.51.100.7"
	lim := policy.PerAccountAddress
	wait := lim.Window
	for round := range lim.MaxDoublings + 2 {
		for range lim.Max {
			wantInvalid(t, f.login(ownerEmail, wrongPW, ip))
		}
		e := wantThrottled(t, f.login(ownerEmail, ownerPW, ip), wait)
		key, args := "err.login_throttled", []any{int(wait / time.Minute)}
		if wait > 90*time.Minute {
			key, args = "err.login_throttled_hours", []any{int(wait / time.Hour)}
		}
		if e.Key != key || !slices.Equal(e.Args, args) {
			t.Fatalf("round %d: message %s %v, want %s %v", round, e.Key, e.Args, key, args)
		}
		f.age(t, wait)
		wait = min(2*wait, lim.Window<<lim.MaxDoublings)
	}
	if wait != 8*time.Hour {
		t.Fatalf("longest window %v, want 8h", wait)
	}
	f.age(t, policy.ForgetAfter)
	for range lim.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, ip))
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, ip), lim.Window)
	// A window that ends below the limit resets the doubling too.
	f.age(t, lim.Window)
	wantInvalid(t, f.login(ownerEmail, wrongPW, ip)) // opens a doubled window
	f.age(t, 2*lim.Window)
	for range lim.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, ip))
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, ip), lim.Window)
}

// An IPv6 client counts as its /64, and an IPv4-mapped address as the IPv4
// address.
func TestAddressesCountByNetwork(t *testing.T) {
	f := newFixture(t)
	for i := range policy.PerAccountAddress.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, fmt.Sprintf("2001:db8:0:1::%x", i+1)))
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, "2001:db8:0:1:ffff:ffff:ffff:ffff"), policy.PerAccountAddress.Window)
	if err := f.login(ownerEmail, ownerPW, "2001:db8:0:2::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	for range policy.PerAccountAddress.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, "::ffff:192.0.2.1"))
	}
	wantThrottled(t, f.login(ownerEmail, ownerPW, "192.0.2.1"), policy.PerAccountAddress.Window)
}

func TestPruneKeepsWhatStillCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.login(ownerEmail, ownerPW, "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	for range policy.PerAccountAddress.Max {
		wantInvalid(t, f.login(ownerEmail, wrongPW, "203.0.113.7"))
	}
	rows := func() int {
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM login_attempts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// account_address ×2, account, address ×2.
	if n, err := f.auth.PruneFailures(ctx); err != nil || n != 0 || rows() != 5 {
		t.Fatalf("prune of fresh counters: %d, %v; %d rows left, want 5", n, err, rows())
	}
	// Past the window and the doubling's memory, only the known address stays.
	f.age(t, policy.PerAccountAddress.Window+policy.ForgetAfter+time.Minute)
	if n, err := f.auth.PruneFailures(ctx); err != nil || n != 4 || rows() != 1 {
		t.Fatalf("prune a day later: %d, %v; %d rows left, want 4 and 1", n, err, rows())
	}
	f.age(t, policy.KnownAddressFor)
	if n, err := f.auth.PruneFailures(ctx); err != nil || n != 1 || rows() != 0 {
		t.Fatalf("prune a month later: %d, %v; %d rows left, want 1 and 0", n, err, rows())
	}
}
