package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sessionStore keeps scs sessions in PostgreSQL, so that every portal
// instance behind a load balancer sees the same sessions. Rows are keyed by
// a hash of the token: a copy of the table does not hand out live sessions.
//
// The store, not scs, applies the idle timeout: scs's IdleTimeout saves the
// session again on every request, a write per page view. Here a request
// moves the stored expiry only once it has fallen behind by more than the
// slack (a minute at most), so an ordinary page view writes nothing, and a
// session idle for the timeout ends within the slack of it.
type sessionStore struct {
	pool *pgxpool.Pool
	idle time.Duration
	// now is the clock expiries are set and judged by; tests move it.
	now func() time.Time
}

func newSessionStore(pool *pgxpool.Pool, idle time.Duration) *sessionStore {
	return &sessionStore{pool: pool, idle: idle, now: time.Now}
}

// slack is how far the stored expiry may lag behind idle-from-now: a
// minute, or a tenth of a short idle timeout.
func (s *sessionStore) slack() time.Duration { return min(time.Minute, s.idle/10) }

// expiry is when a session used at now ends: after the idle timeout, but
// never after its deadline (the absolute lifetime).
func (s *sessionStore) expiry(now, deadline time.Time) time.Time {
	if idle := now.Add(s.idle); idle.Before(deadline) {
		return idle
	}
	return deadline
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	now := s.now()
	key := tokenKey(token)
	var b []byte
	var stored time.Time
	err := s.pool.QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND expiry > $2`, key, now).
		Scan(&b, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	if err := s.touch(ctx, key, b, stored, now); err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// touch extends a session in use when its stored expiry has fallen more
// than the slack behind. This is the one write a read makes, about once a
// minute per session; the condition keeps a concurrent request from moving
// the expiry back.
func (s *sessionStore) touch(ctx context.Context, key string, b []byte, stored, now time.Time) error {
	if stored.After(now.Add(s.idle - s.slack())) {
		return nil
	}
	// The deadline travels in the data, encoded by scs's default codec.
	deadline, _, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return fmt.Errorf("decode session: %w", err)
	}
	next := s.expiry(now, deadline)
	if !next.After(stored.Add(s.slack())) {
		return nil // held at the deadline
	}
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token = $1 AND expiry < $2`, key, next); err != nil {
		return fmt.Errorf("extend session: %w", err)
	}
	return nil
}

// CommitCtx saves a new or changed session. scs passes the session's
// deadline as expiry, its own IdleTimeout being off.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		tokenKey(token), b, s.expiry(s.now(), deadline))
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, tokenKey(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// The context-free methods are required by scs.Store but unused: scs calls
// the Ctx variants when a store has them.
func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// PruneSessions deletes expired sessions and returns how many.
func PruneSessions(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	tag, err := pool.Exec(ctx, `DELETE FROM sessions WHERE expiry <= now()`)
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
