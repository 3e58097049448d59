// Package auth checks logins: passwords, disabled accounts and throttling of
// repeated failures per account and per client address.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/tenancy"
)

// Policy bounds failed logins within Window before further attempts are
// refused until the window has passed.
type Policy struct {
	Window         time.Duration
	MaxPerAccount  int
	MaxPerClientIP int
}

// DefaultPolicy allows 5 failures per account and 30 per client address in
// 15 minutes: enough for typos, far too few for guessing, and a shop behind
// one NAT address does not lock its staff out together.
var DefaultPolicy = Policy{Window: 15 * time.Minute, MaxPerAccount: 5, MaxPerClientIP: 30}

// Authenticator checks logins.
type Authenticator struct {
	pool   *pgxpool.Pool
	users  *tenancy.Store
	policy Policy
	log    *slog.Logger
}

// New returns an Authenticator.
func New(pool *pgxpool.Pool, users *tenancy.Store, policy Policy, log *slog.Logger) *Authenticator {
	return &Authenticator{pool: pool, users: users, policy: policy, log: log}
}

// The errors of Login. Wrong e-mail and wrong password give the same error,
// so that the login page does not tell which accounts exist.
var (
	ErrInvalidCredentials = apperr.New(apperr.Unauthorized, "err.login_invalid")
	ErrDisabled           = apperr.New(apperr.Forbidden, "err.login_disabled")
)

// ThrottledError says when to try again.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins; retry after %s", e.RetryAfter)
}

// Minutes is the wait rounded up to whole minutes, for the message.
func (e *ThrottledError) Minutes() int {
	return int((e.RetryAfter + time.Minute - time.Second) / time.Minute)
}

// Login returns the user whose e-mail and password match. clientIP is the
// address the attempt came from, for throttling.
func (a *Authenticator) Login(ctx context.Context, email, pw, clientIP string) (tenancy.User, error) {
	email = tenancy.NormalizeEmail(email)
	accountKey, ipKey := "account:"+email, "ip:"+clientIP
	if wait, err := a.throttled(ctx, accountKey, ipKey); err != nil {
		return tenancy.User{}, err
	} else if wait > 0 {
		return tenancy.User{}, &ThrottledError{RetryAfter: wait}
	}
	if email == "" || pw == "" || len(pw) > password.MaxLength || len(email) > tenancy.MaxEmailLen {
		return tenancy.User{}, a.fail(ctx, accountKey, ipKey)
	}

	u, err := a.users.UserByEmail(ctx, email)
	if apperr.KindOf(err) == apperr.NotFound {
		password.VerifyNothing(pw)
		return tenancy.User{}, a.fail(ctx, accountKey, ipKey)
	}
	if err != nil {
		return tenancy.User{}, fmt.Errorf("load user: %w", err)
	}
	ok, err := password.Verify(u.PasswordHash(), pw)
	if err != nil {
		return tenancy.User{}, fmt.Errorf("verify password of user %d: %w", u.ID, err)
	}
	if !ok {
		return tenancy.User{}, a.fail(ctx, accountKey, ipKey)
	}
	if u.Disabled {
		return tenancy.User{}, ErrDisabled
	}
	if _, err := a.pool.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, accountKey); err != nil {
		return tenancy.User{}, fmt.Errorf("clear login failures: %w", err)
	}
	return u, nil
}

// throttled returns how long to wait before another attempt, 0 if none.
func (a *Authenticator) throttled(ctx context.Context, accountKey, ipKey string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range []struct {
		key string
		max int
	}{{accountKey, a.policy.MaxPerAccount}, {ipKey, a.policy.MaxPerClientIP}} {
		// The block lasts until the oldest failure that still counts leaves
		// the window: the max-th newest one.
		var until *time.Time
		err := a.pool.QueryRow(ctx, `
			SELECT at + $3::interval FROM login_failures
			WHERE key = $1 AND at > now() - $3::interval
			ORDER BY at DESC OFFSET $2 - 1 LIMIT 1`, k.key, k.max, a.policy.Window).Scan(&until)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("count login failures: %w", err)
		}
		if until != nil {
			wait = max(wait, time.Until(*until))
		}
	}
	return wait, nil
}

func (a *Authenticator) fail(ctx context.Context, accountKey, ipKey string) error {
	if _, err := a.pool.Exec(ctx, `INSERT INTO login_failures (key) VALUES ($1), ($2)`, accountKey, ipKey); err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return ErrInvalidCredentials
}

// PruneFailures deletes failures too old to count, and returns how many.
func (a *Authenticator) PruneFailures(ctx context.Context) (int64, error) {
	tag, err := a.pool.Exec(ctx, `DELETE FROM login_failures WHERE at < now() - $1::interval`, a.policy.Window)
	if err != nil {
		return 0, fmt.Errorf("prune login failures: %w", err)
	}
	return tag.RowsAffected(), nil
}
