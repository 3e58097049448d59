package auth

import "time"

// Limit allows Max failed logins in a window that opens with the first
// failure and lasts Window; from the Max-th on, attempts wait for its end.
// A window that reached Max makes the next one twice as long, up to
// MaxDoublings times in a row, until a window ends below Max or
// Policy.ForgetAfter passes without failures.
type Limit struct {
	Max          int
	Window       time.Duration
	MaxDoublings int
}

// Policy is the throttling of failed logins. Every attempt takes a slot of
// all its limits before the password is checked, and a right password gives
// its slots back, so parallel attempts cannot outrun a count.
type Policy struct {
	// PerAccountAddress holds back one address guessing one account's
	// password.
	PerAccountAddress Limit
	// PerAddress holds back one address guessing across accounts.
	PerAddress Limit
	// PerAccount holds back guessing one account's password from many
	// addresses. Its Max must exceed what one address can fail within one
	// Window under PerAccountAddress (twice its Max, when two of that
	// address's windows fall into one of the account's), so that one
	// address cannot pause the account for its owner elsewhere.
	PerAccount Limit
	// KnownAddressFor exempts from PerAccount an address from which the
	// account logged in within this long: guessing from many addresses does
	// not lock the owner out where they usually log in.
	KnownAddressFor time.Duration
	// ForgetAfter is how long after a window's end without failures its
	// doublings are forgotten (and its row pruned).
	ForgetAfter time.Duration
}

// DefaultPolicy: per account and address 5 failures in 15 minutes, enough
// for typos; per address 30, so that a shop's staff behind one NAT address
// do not lock each other out, while spraying many accounts is slow; per
// account from all addresses 15, above the 10 one address can reach. Each
// limit, once reached, doubles its next window, up to 8 hours: a guesser who
// keeps going gets a few tries a day per account.
var DefaultPolicy = Policy{
	PerAccountAddress: Limit{Max: 5, Window: 15 * time.Minute, MaxDoublings: 5},
	PerAddress:        Limit{Max: 30, Window: 15 * time.Minute, MaxDoublings: 5},
	PerAccount:        Limit{Max: 15, Window: 15 * time.Minute, MaxDoublings: 5},
	KnownAddressFor:   30 * 24 * time.Hour,
	ForgetAfter:       24 * time.Hour,
}
