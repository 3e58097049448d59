// Package auth checks logins: passwords, disabled accounts and throttling of
// failed attempts per account, per client address and per both.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/tenancy"
)

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

// The errors of Login besides a pause (an *apperr.Error of kind Throttled).
// Wrong e-mail and wrong password give the same error, so that the login
// page does not tell which accounts exist.
var (
	ErrInvalidCredentials = apperr.New(apperr.Unauthorized, "err.login_invalid")
	ErrDisabled           = apperr.New(apperr.Forbidden, "err.login_disabled")
)

// Login returns the user whose e-mail and password match. clientIP is the
// address the attempt came from, for throttling. When too many attempts
// failed it returns an *apperr.Error of kind Throttled whose RetryAfter
// says how long to wait; the password is then not checked.
func (a *Authenticator) Login(ctx context.Context, email, pw, clientIP string) (tenancy.User, error) {
	email = tenancy.NormalizeEmail(email)
	r, err := a.reserve(ctx, keysFor(email, clientIP))
	if err != nil {
		return tenancy.User{}, err
	}
	// From here the attempt counts as a failure unless the password is right.
	u, ok, err := a.check(ctx, email, pw)
	if err != nil {
		return tenancy.User{}, err
	}
	if !ok {
		return tenancy.User{}, ErrInvalidCredentials
	}
	if err := a.giveBack(ctx, r); err != nil {
		return tenancy.User{}, err
	}
	if u.Disabled {
		return tenancy.User{}, ErrDisabled
	}
	return u, nil
}

// check reports whether pw is the password of the account named by email.
// An unknown e-mail costs the same argon2 time as a known one.
func (a *Authenticator) check(ctx context.Context, email, pw string) (tenancy.User, bool, error) {
	if !plausibleEmail(email) || pw == "" || len(pw) > password.MaxLength {
		return tenancy.User{}, false, nil
	}
	u, err := a.users.UserByEmail(ctx, email)
	// Invalid: text no stored address can hold (a direction control).
	if k := apperr.KindOf(err); k == apperr.NotFound || k == apperr.Invalid {
		password.VerifyNothing(pw)
		return tenancy.User{}, false, nil
	}
	if err != nil {
		return tenancy.User{}, false, fmt.Errorf("load user: %w", err)
	}
	ok, err := password.Verify(u.PasswordHash(), pw)
	if err != nil {
		return tenancy.User{}, false, fmt.Errorf("verify password of user %d: %w", u.ID, err)
	}
	return u, ok, nil
}

// plausibleEmail reports whether s could be a stored e-mail at all: any
// other fails without a query (PostgreSQL refuses NUL and invalid UTF-8) and
// without argon2, which tells nothing since no account could match.
func plausibleEmail(s string) bool {
	return s != "" && len(s) <= tenancy.MaxEmailLen && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
