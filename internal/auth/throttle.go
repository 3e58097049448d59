package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/db"
)

// Limit allows Max failed logins in a window that opens with the first
// failure and lasts Window; from the Max-th on, attempts wait for its end.
// A window that reached Max makes the next one twice as long, up to
// MaxDoublings times in a row, until a window ends below Max.
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

// The scopes of login_attempts, in the order their rows are locked: one
// order for every transaction, so that two attempts never deadlock.
const (
	scopeAccountAddress = "account_address"
	scopeAccount        = "account"
	scopeAddress        = "address"
)

// keys name an attempt's counters. They are bounded whatever the input.
type keys struct {
	accountAddress, account, address string
}

func keysFor(email, clientIP string) keys {
	account := hashKey(email)
	address := addressKey(clientIP)
	return keys{accountAddress: account + " " + address, account: account, address: address}
}

func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// addressKey is the client's IPv4 address, or its IPv6 /64: one host
// usually holds a whole /64, so counting single IPv6 addresses would count
// nothing.
func addressKey(clientIP string) string {
	addr, err := netip.ParseAddr(clientIP)
	if err != nil {
		return "?" + hashKey(clientIP)
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.WithZone("").Prefix(64)
	return p.String()
}

// reservation is what an attempt took: given back if the password is right.
type reservation struct {
	keys
	// accountCounted is false from a known address, exempt from PerAccount.
	accountCounted bool
}

// errRefused rolls back the slots a refused attempt took of other limits.
var errRefused = errors.New("login attempt refused")

// reserve takes a slot of each of the attempt's limits, all or none, or
// returns the Throttled error of the longest wait.
func (a *Authenticator) reserve(ctx context.Context, k keys) (reservation, error) {
	r := reservation{keys: k, accountCounted: true}
	var wait time.Duration
	err := db.InTx(ctx, a.pool, func(tx pgx.Tx) error {
		pair, err := a.take(ctx, tx, scopeAccountAddress, k.accountAddress, a.policy.PerAccountAddress)
		if err != nil {
			return err
		}
		wait = pair.wait
		r.accountCounted = !pair.succeededWithin(a.policy.KnownAddressFor)
		if r.accountCounted {
			acc, err := a.take(ctx, tx, scopeAccount, k.account, a.policy.PerAccount)
			if err != nil {
				return err
			}
			wait = max(wait, acc.wait)
		}
		addr, err := a.take(ctx, tx, scopeAddress, k.address, a.policy.PerAddress)
		if err != nil {
			return err
		}
		wait = max(wait, addr.wait)
		if wait > 0 {
			return errRefused
		}
		return nil
	})
	switch {
	case errors.Is(err, errRefused):
		return r, throttled(wait)
	case err != nil:
		return r, fmt.Errorf("reserve login attempt: %w", err)
	}
	return r, nil
}

// throttled is the error of a refused attempt, saying how long to wait.
func throttled(wait time.Duration) *apperr.Error {
	if wait > 90*time.Minute {
		return apperr.New(apperr.Throttled, "err.login_throttled_hours", ceilDiv(wait, time.Hour)).WithRetryAfter(wait)
	}
	return apperr.New(apperr.Throttled, "err.login_throttled", ceilDiv(wait, time.Minute)).WithRetryAfter(wait)
}

func ceilDiv(d, unit time.Duration) int {
	return int((d + unit - 1) / unit)
}

// giveBack returns a right password's slots: the address where the account
// logged in starts afresh and becomes known; the account-wide and
// address-wide counts drop by this attempt only, so that logging in does
// not reset what others' failures counted.
func (a *Authenticator) giveBack(ctx context.Context, r reservation) error {
	err := db.InTx(ctx, a.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE login_attempts SET failures = 0, doublings = 0, succeeded_at = now()
			WHERE scope = $1 AND key = $2`, scopeAccountAddress, r.accountAddress); err != nil {
			return err
		}
		for _, c := range []struct {
			counted    bool
			scope, key string
		}{{r.accountCounted, scopeAccount, r.account}, {true, scopeAddress, r.address}} {
			if !c.counted {
				continue
			}
			if _, err := tx.Exec(ctx, `
				UPDATE login_attempts SET failures = greatest(failures - 1, 0)
				WHERE scope = $1 AND key = $2`, c.scope, c.key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("give back login attempt: %w", err)
	}
	return nil
}

// counter is a row of login_attempts as of now, the database's clock
// (shared by every instance).
type counter struct {
	now, startedAt, endsAt time.Time
	failures, doublings    int
	succeededAt            *time.Time
}

// taken is the outcome of take: wait is zero when a slot was taken.
type taken struct {
	counter
	wait time.Duration
}

func (t taken) succeededWithin(d time.Duration) bool {
	return t.succeededAt != nil && t.now.Sub(*t.succeededAt) < d
}

// take takes a slot of the counter (scope, key) under lim, holding the
// counter's row lock until tx ends, or says how long until one frees.
func (a *Authenticator) take(ctx context.Context, tx pgx.Tx, scope, key string, lim Limit) (taken, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO login_attempts (scope, key, started_at, ends_at, failures)
		VALUES ($1, $2, now(), now() + $3::interval, 1)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, lim.Window)
	if err != nil {
		return taken{}, err
	}
	if tag.RowsAffected() == 1 {
		return taken{}, nil // the first failure opened a window
	}
	var c counter
	if err := tx.QueryRow(ctx, `
		SELECT now(), started_at, ends_at, failures, doublings, succeeded_at
		FROM login_attempts WHERE scope = $1 AND key = $2 FOR UPDATE`, scope, key,
	).Scan(&c.now, &c.startedAt, &c.endsAt, &c.failures, &c.doublings, &c.succeededAt); err != nil {
		return taken{}, err
	}
	next, wait := c.take(lim, a.policy.ForgetAfter)
	if wait > 0 {
		return taken{counter: c, wait: wait}, nil
	}
	if _, err := tx.Exec(ctx, `
		UPDATE login_attempts SET started_at = $3, ends_at = $4, failures = $5, doublings = $6
		WHERE scope = $1 AND key = $2`, scope, key, next.startedAt, next.endsAt, next.failures, next.doublings); err != nil {
		return taken{}, err
	}
	return taken{counter: next}, nil
}

// take counts one more failure at c.now, opening the next window when the
// current one has ended, or says how long until the window ends when its
// limit is reached. A window that reached the limit doubles the next unless
// forget has passed since it ended.
func (c counter) take(lim Limit, forget time.Duration) (counter, time.Duration) {
	if c.now.Before(c.endsAt) {
		if c.failures >= lim.Max {
			return c, c.endsAt.Sub(c.now)
		}
		c.failures++
		return c, 0
	}
	doublings := 0
	if c.failures >= lim.Max && c.now.Before(c.endsAt.Add(forget)) {
		doublings = min(c.doublings+1, lim.MaxDoublings)
	}
	c.startedAt, c.endsAt = c.now, c.now.Add(lim.Window<<doublings)
	c.failures, c.doublings = 1, doublings
	return c, 0
}

// PruneFailures deletes counters that no longer hold anything back: their
// window ended and was forgotten, and no login from their address is recent
// enough to count as known. It returns how many.
func (a *Authenticator) PruneFailures(ctx context.Context) (int64, error) {
	tag, err := a.pool.Exec(ctx, `
		DELETE FROM login_attempts
		WHERE ends_at < now() - $1::interval
		  AND (succeeded_at IS NULL OR succeeded_at < now() - $2::interval)`,
		a.policy.ForgetAfter, a.policy.KnownAddressFor)
	if err != nil {
		return 0, fmt.Errorf("prune login attempts: %w", err)
	}
	return tag.RowsAffected(), nil
}
