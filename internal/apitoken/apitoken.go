// Package apitoken keeps the bearer tokens of the viewer JSON API: an owner
// creates one with a name and an optional expiry, sees it once, and may
// revoke it. A token reads its tenant's data and nothing else; only its
// SHA-256 is stored. It knows nothing of HTTP.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/textcheck"
)

// Prefix starts every token, so that one pasted where it should not be (a
// chat, a repository) is recognised by people and secret scanners.
const Prefix = "plk_"

// secretBytes is the token's randomness: 256 bits, so that guessing one
// is hopeless and a fast hash is enough to store it.
const secretBytes = 32

// tokenLen is the length of a token: the prefix and 43 base64url characters.
var tokenLen = len(Prefix) + base64.RawURLEncoding.EncodedLen(secretBytes)

// Limits of what an owner enters.
const (
	MaxNameLen = 100
	// MaxActive is how many tokens a tenant may hold that are neither
	// revoked nor expired; creating one more is refused.
	MaxActive = 20
)

// UseInterval is how stale a token's last-used time may be: requests note
// their uses in memory and RunUseFlusher writes them once per interval,
// so that an API read writes nothing.
const UseInterval = time.Minute

// Token is a token as its owner sees it in the list: never the secret.
type Token struct {
	ID        int64
	TenantID  int64
	Name      string
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero for never.
	ExpiresAt time.Time
	// LastUsedAt is when it last authenticated a request: what the
	// database holds, or this instance's use noted since, if later. Uses
	// through other instances show up to about UseInterval late. Zero for
	// never.
	LastUsedAt time.Time
	// RevokedAt is when it was revoked; zero while it is not.
	RevokedAt time.Time
}

// Active reports whether the token still authenticates at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// Input is what the owner enters to create a token.
type Input struct {
	Name string
	// ExpiresAt is when the token stops working; zero for never.
	ExpiresAt time.Time
}

// Created is a new token with its secret, which is shown once: it is not
// stored and cannot be read again.
type Created struct {
	Token
	Secret string
}

// Principal is who a token speaks for: a tenant, through one token.
type Principal struct {
	TenantID int64
	TokenID  int64
}

// Errors of Authenticate. Each is Unauthorized; the API answers them alike
// (what is wrong with a token is for its owner's page, not for whoever holds it);
// a token not of our shape and one we do not know are the same error.
var (
	errInvalid = apperr.New(apperr.Unauthorized, "err.api_token_invalid")
	errExpired = apperr.New(apperr.Unauthorized, "err.api_token_expired")
	errRevoked = apperr.New(apperr.Unauthorized, "err.api_token_revoked")
)

var errNotFound = apperr.New(apperr.NotFound, "err.not_found")

// Store creates, lists, revokes and checks tokens.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// uses are the uses noted by Authenticate, not yet written.
	uses useLog
}

// NewStore returns a Store on pool; now is the clock that dates tokens and
// judges their expiry.
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	return &Store{pool: pool, now: now}
}

// hashOf is what is stored of a token.
func hashOf(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// newSecret makes a token.
func newSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// wellFormed reports whether s can be a token, so that anything else is
// refused before a query.
func wellFormed(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, Prefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(Prefix):])
	return err == nil && len(b) == secretBytes
}

func validate(in Input, now time.Time) (Input, error) {
	var v apperr.Validation
	in.Name = strings.TrimSpace(in.Name)
	switch p := textcheck.Line(in.Name, MaxNameLen); {
	case p == textcheck.TooLong:
		v.Add("name", "err.too_long_100")
	case p != textcheck.OK:
		v.Add("name", p.Key())
	case in.Name == "":
		v.Add("name", "err.required")
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		v.Add("expires", "err.api_token_expiry_past")
	}
	return in, v.Err()
}

// Create makes a token for the tenant, audited in the same transaction.
// Its secret is in the answer only. A tenant already holding MaxActive
// usable tokens is refused (Conflict); the tenant's row lock makes the
// count hold under concurrent creates.
func (s *Store) Create(ctx context.Context, actor audit.Actor, tenantID int64, in Input) (Created, error) {
	now := s.now()
	in, err := validate(in, now)
	if err != nil {
		return Created{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return Created{}, err
	}
	c := Created{Secret: secret, Token: Token{TenantID: tenantID, Name: in.Name, CreatedAt: now, ExpiresAt: in.ExpiresAt}}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`, tenantID).Scan(new(int)); err != nil {
			return notFound(err)
		}
		var active int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE tenant_id = $1 AND revoked_at IS NULL
			AND (expires_at IS NULL OR expires_at > $2)`, tenantID, now).Scan(&active); err != nil {
			return fmt.Errorf("count tokens: %w", err)
		}
		if active >= MaxActive {
			return apperr.New(apperr.Conflict, "err.api_token_too_many", MaxActive)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (tenant_id, name, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, nullif($4, 0), $5, $6) RETURNING id`,
			tenantID, in.Name, hashOf(secret), actor.UserID, now, nullTime(in.ExpiresAt)).Scan(&c.ID); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		details := map[string]any{"name": in.Name}
		if !in.ExpiresAt.IsZero() {
			details["expires_at"] = in.ExpiresAt.Format(time.RFC3339) // in the zone it was entered in
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "api_token.create", TenantID: tenantID,
			Target: fmt.Sprintf("api_token:%d", c.ID), Details: details})
	})
	if err != nil {
		return Created{}, err
	}
	return c, nil
}

const tokenColumns = `id, tenant_id, name, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (Token, error) {
	var t Token
	var exp, used, rev *time.Time
	if err := row.Scan(&t.ID, &t.TenantID, &t.Name, &t.CreatedAt, &exp, &used, &rev); err != nil {
		return Token{}, err
	}
	for _, f := range []struct {
		dst *time.Time
		src *time.Time
	}{{&t.ExpiresAt, exp}, {&t.LastUsedAt, used}, {&t.RevokedAt, rev}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return t, nil
}

// List is the tenant's tokens, newest first, revoked ones included.
func (s *Store) List(ctx context.Context, tenantID int64) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = $1 ORDER BY id DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	for i := range list {
		list[i] = s.withNotedUse(list[i])
	}
	return list, nil
}

// Get is one of the tenant's tokens; another tenant's is not found.
func (s *Store) Get(ctx context.Context, tenantID, tokenID int64) (Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		WHERE tenant_id = $1 AND id = $2`, tenantID, tokenID))
	if err != nil {
		return Token{}, notFound(err)
	}
	return s.withNotedUse(t), nil
}

// withNotedUse shows the use this instance has noted for t and not yet
// written, when it is later than the database's: the owner who has just
// tried a token sees it used without waiting for the flush. Uses noted by
// other instances, or in a flush being written, show once written.
func (s *Store) withNotedUse(t Token) Token {
	if used := s.uses.latest(t.ID); used.After(t.LastUsedAt) {
		t.LastUsedAt = used
	}
	return t
}

// Revoke ends one of the tenant's tokens at once, audited. Revoking a
// revoked token changes and records nothing.
func (s *Store) Revoke(ctx context.Context, actor audit.Actor, tenantID, tokenID int64) error {
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens
			WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, tokenID))
		if err != nil {
			return notFound(err)
		}
		if !t.RevokedAt.IsZero() {
			return nil // nothing changes, so nothing is recorded
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2`,
			tenantID, tokenID, now); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "api_token.revoke", TenantID: tenantID,
			Target: fmt.Sprintf("api_token:%d", tokenID), Details: map[string]any{"name": t.Name}})
	})
}

// Authenticate finds the tenant a token speaks for (see Check) and notes
// the use in memory: it writes nothing, RunUseFlusher does. Whether the
// token is live is read from the database on every call, so a revoked or
// expired token is refused at once, on every instance.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	t, err := s.check(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	s.uses.note(t.ID, s.now())
	return Principal{TenantID: t.TenantID, TokenID: t.ID}, nil
}

// Check finds the tenant a live token speaks for without recording a use.
// A string that cannot be a token is refused without a query; a token is
// looked up by its SHA-256 alone, so the lookup's timing tells nothing of
// the secret.
func (s *Store) Check(ctx context.Context, token string) (Principal, error) {
	t, err := s.check(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	return Principal{TenantID: t.TenantID, TokenID: t.ID}, nil
}

func (s *Store) check(ctx context.Context, token string) (Token, error) {
	if !wellFormed(token) {
		return Token{}, errInvalid
	}
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hashOf(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, errInvalid
	}
	if err != nil {
		return Token{}, fmt.Errorf("find token: %w", err)
	}
	switch {
	case !t.RevokedAt.IsZero():
		return Token{}, errRevoked
	case !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt):
		return Token{}, errExpired
	}
	return t, nil
}

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errNotFound
	}
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
