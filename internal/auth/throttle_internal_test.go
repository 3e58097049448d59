package auth

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/dbtest"
)

// An attempt whose transaction began before the one that opened the
// window (it then waited for that row) is told to wait at most the
// window: with the transaction's clock it was told a few microseconds
// more, which Retry-After rounds up to a second over the limit.
func TestAWaitIsNeverLongerThanTheWindow(t *testing.T) {
	ctx := t.Context()
	pool := dbtest.New(t)
	a := New(pool, nil, DefaultPolicy, nil)
	lim := Limit{Max: 1, Window: time.Minute}
	late, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = late.Rollback(ctx) }()
	if _, err := late.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		got, err := a.take(ctx, tx, "account", "key", lim)
		if err == nil && got.wait != 0 {
			t.Errorf("the first failure waits %v", got.wait)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.take(ctx, late, "account", "key", lim)
	if err != nil {
		t.Fatal(err)
	}
	if got.wait <= 0 || got.wait > lim.Window {
		t.Errorf("the second failure waits %v, want (0, %v]", got.wait, lim.Window)
	}
}
