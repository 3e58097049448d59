package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/db"
)

// ddlTimeout bounds creating or dropping one database.
const ddlTimeout = time.Minute

// New returns a pool on a new database holding the migrated schema and no
// rows. The pool is closed and the database dropped when the test ends.
// Safe for parallel tests.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	databaseURL := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), ddlTimeout)
	defer cancel()
	pool, err := db.Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("dbtest: open test database: %v", err)
	}
	// Registered after NewURL's drop, so it runs before it.
	t.Cleanup(pool.Close)
	return pool
}

// NewURL is New for code that opens its own connections: it returns the
// URL of a new migrated database, dropped (connections and all) when the
// test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, func(h *harness) string { return h.template })
}

// NewEmpty returns the URL of a new database without any migration applied,
// for tests of the migrations themselves. It is dropped when the test ends.
func NewEmpty(t testing.TB) string {
	t.Helper()
	// template0, not the default template1, which a shared server may have
	// altered.
	return newDatabase(t, func(*harness) string { return "template0" })
}

// AdminURL is the URL of a maintenance database on the test server, for
// tests that manage databases themselves. They must not drop it.
func AdminURL() string {
	if current == nil {
		// A programming error that every test of the package would hit.
		panic("dbtest: AdminURL needs func TestMain(m *testing.M) { dbtest.Main(m) } in the package's tests")
	}
	return current.adminURL
}

func newDatabase(t testing.TB, template func(*harness) string) string {
	t.Helper()
	h := current
	if h == nil {
		t.Fatal("dbtest: add func TestMain(m *testing.M) { dbtest.Main(m) } to the package's tests")
	}
	name := uniqueName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), ddlTimeout)
	defer cancel()
	began := time.Now()
	if err := h.createDatabase(ctx, name, template(h)); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Logf("dbtest: database %s created in %v", name, time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), ddlTimeout)
		defer cancel()
		if err := h.dropDatabase(ctx, name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return h.urlFor(name)
}

func (h *harness) createDatabase(ctx context.Context, name, template string) error {
	sql := "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(template)
	if _, err := h.admin.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create database %s from %s: %w", name, template, err)
	}
	return nil
}

// dropDatabase drops name even if a test left connections open to it.
func (h *harness) dropDatabase(ctx context.Context, name string) error {
	if _, err := h.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func quote(ident string) string { return pgx.Identifier{ident}.Sanitize() }

// uniqueName makes a database name from a test name, readable when
// inspecting a shared server, and unique across tests and test binaries.
func uniqueName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() == 32 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	random := make([]byte, 6)
	rand.Read(random) // never fails (crypto/rand documents it)
	// Within Postgres' 63-byte identifier limit: 5+32+1+12.
	return "test_" + b.String() + "_" + hex.EncodeToString(random)
}
