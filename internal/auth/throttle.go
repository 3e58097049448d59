package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/db"
)

// The scopes of login_attempts, the throttle's counters (all their SQL is in
// this file), in the order their rows are locked: one order for every
// transaction, so that two attempts never deadlock.
const (
	scopeAccountAddress = "account_address"
	scopeAccount        = "account"
	scopeAddress        = "address"
)

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

// take takes a slot of the counter (scope, key) under lim, holding the
// counter's row lock until tx ends, or says how long until one frees.
func (a *Authenticator) take(ctx context.Context, tx pgx.Tx, scope, key string, lim Limit) (taken, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO login_attempts (scope, key, started_at, ends_at, failures)
		VALUES ($1, $2, clock_timestamp(), clock_timestamp() + $3::interval, 1)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, lim.Window)
	if err != nil {
		return taken{}, err
	}
	if tag.RowsAffected() == 1 {
		return taken{}, nil // the first failure opened a window
	}
	// The counter's clock (here and where a window opens) is the
	// statement's, not the transaction's: this transaction may have begun
	// before the one that opened the window (it then waited for that row),
	// and its now() would make the wait longer than the window itself.
	var c counter
	if err := tx.QueryRow(ctx, `
		SELECT clock_timestamp(), started_at, ends_at, failures, doublings, succeeded_at
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
		giveOne := func(scope, key string) error {
			_, err := tx.Exec(ctx, `
				UPDATE login_attempts SET failures = greatest(failures - 1, 0)
				WHERE scope = $1 AND key = $2`, scope, key)
			return err
		}
		if r.accountCounted {
			if err := giveOne(scopeAccount, r.account); err != nil {
				return err
			}
		}
		return giveOne(scopeAddress, r.address)
	})
	if err != nil {
		return fmt.Errorf("give back login attempt: %w", err)
	}
	return nil
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
