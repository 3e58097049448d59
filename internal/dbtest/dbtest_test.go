package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/db"
)

func TestMain(m *testing.M) { Main(m) }

// Each test sees the migrated schema, and only its own rows.
func TestDatabasesAreIsolated(t *testing.T) {
	for i := range 2 {
		t.Run(fmt.Sprint("test", i), func(t *testing.T) {
			t.Parallel()
			pool := New(t)
			ctx := t.Context()
			latest, err := db.LatestVersion()
			if err != nil {
				t.Fatal(err)
			}
			if applied, err := db.AppliedVersion(ctx, pool); err != nil || applied != latest {
				t.Fatalf("applied migration %d (%v), want %d", applied, err, latest)
			}
			name := t.Name()
			if _, err := pool.Exec(ctx, `INSERT INTO tenants (name) VALUES ($1)`, name); err != nil {
				t.Fatal(err)
			}
			var names []string
			rows, _ := pool.Query(ctx, `SELECT name FROM tenants`)
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != 1 || names[0] != name {
				t.Errorf("tenants = %q, want only %q", names, name)
			}
		})
	}
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	var name string
	t.Run("uses", func(t *testing.T) {
		// A connection left open must not keep the database alive.
		conn, err := pgx.Connect(t.Context(), NewURL(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if exists(t, name) {
		t.Errorf("database %s still exists after its test", name)
	}
}

func TestNewEmptyHasNoSchema(t *testing.T) {
	url := NewEmpty(t)
	if n, err := db.Migrate(t.Context(), url, nil); err != nil || n == 0 {
		t.Fatalf("migrating an empty database applied %d migrations (%v), want all", n, err)
	}
}

func exists(t *testing.T, name string) bool {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }() // read only
	var found bool
	err = conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&found)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// As root with $TMPDIR private to root, the throwaway cluster still starts
// (its files and socket go where the postgres user can reach them).
func TestPrivateTMPDIR(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	private := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDatabasesAreIsolated$", "-test.count=1")
	cmd.Env = []string{"TMPDIR=" + private}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "TMPDIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tests with TMPDIR=%s (mode 0700): %v\n%s", private, err, out)
	}
}
