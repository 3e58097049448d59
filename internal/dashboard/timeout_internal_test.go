package dashboard

import (
	"testing"
	"time"

	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
)

// The store's reads run on connections that stop a statement outlasting
// the timeout and refuse writes; the pool they are made beside keeps
// neither setting.
func TestReadsRunUnderTheStatementTimeout(t *testing.T) {
	pool := dbtest.New(t)
	reads, err := db.ReadsPool(t.Context(), pool, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer reads.Close()
	s := NewStore(reads, nil, nil)
	var setting string
	if err := s.pool.QueryRow(t.Context(), `SELECT current_setting('statement_timeout')`).Scan(&setting); err != nil || setting != "50ms" {
		t.Errorf("statement_timeout %q, %v", setting, err)
	}
	if _, err := s.pool.Exec(t.Context(), `SELECT pg_sleep(2)`); err == nil {
		t.Error("a statement longer than the timeout ran to its end")
	}
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO tenants (name) VALUES ('書けてはいけない')`); err == nil {
		t.Error("a write on the reads pool was taken")
	}
	if err := pool.QueryRow(t.Context(), `SELECT current_setting('statement_timeout')`).Scan(&setting); err != nil || setting == "50ms" {
		t.Errorf("the base pool's connections have the timeout: %q %v", setting, err)
	}
	if reads.Config().MaxConns > pool.Config().MaxConns/2 && reads.Config().MaxConns > 2 {
		t.Errorf("the reads pool may take %d of the base's %d connections", reads.Config().MaxConns, pool.Config().MaxConns)
	}
}
