package dashboard

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/dbtest"
)

// Every read runs under the store's statement timeout, and a statement
// that outlasts it is stopped by the database.
func TestReadsRunUnderTheStatementTimeout(t *testing.T) {
	pool := dbtest.New(t)
	s := NewStore(pool, nil, nil, 50*time.Millisecond)
	var setting string
	err := s.read(t.Context(), func(tx pgx.Tx) error {
		return tx.QueryRow(t.Context(), `SELECT current_setting('statement_timeout')`).Scan(&setting)
	})
	if err != nil || setting != "50ms" {
		t.Errorf("statement_timeout %q, %v", setting, err)
	}
	err = s.read(t.Context(), func(tx pgx.Tx) error {
		_, err := tx.Exec(t.Context(), `SELECT pg_sleep(2)`)
		return err
	})
	if err == nil {
		t.Error("a statement longer than the timeout ran to its end")
	}
	// The setting is the transaction's: the connection goes back without it.
	if err := pool.QueryRow(t.Context(), `SELECT current_setting('statement_timeout')`).Scan(&setting); err != nil || setting == "50ms" {
		t.Errorf("the pool's connections keep the timeout: %q %v", setting, err)
	}
}
