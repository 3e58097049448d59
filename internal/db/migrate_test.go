package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrateEmptyDatabaseThenIdempotent(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmpty(t)
	latest, err := db.LatestVersion()
	if err != nil || latest < 1 {
		t.Fatalf("latest version %d, %v", latest, err)
	}
	n, err := db.Migrate(ctx, url, nil)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if n < 1 {
		t.Fatalf("first migrate applied %d migrations", n)
	}
	n, err = db.Migrate(ctx, url, nil)
	if err != nil || n != 0 {
		t.Fatalf("second migrate: applied %d, err %v; want 0, nil", n, err)
	}
	st, err := db.MigrationStatus(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st {
		if !m.Applied {
			t.Errorf("migration %d %s not applied", m.Version, m.Name)
		}
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if v, err := db.AppliedVersion(ctx, pool); err != nil || v != latest {
		t.Fatalf("applied version %d (%v), want %d", v, err, latest)
	}
	for _, table := range []string{"tenants", "users", "cameras", "sessions", "audit_log", "login_attempts"} {
		var ok bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing after migrate (%v)", table, err)
		}
	}
}

// Several instances starting at once each run the migrations: the advisory
// lock makes them take turns, so all succeed and each migration is applied
// exactly once.
func TestConcurrentMigrateIsSafe(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmpty(t)
	const runners = 4
	var wg sync.WaitGroup
	applied := make([]int, runners)
	errs := make([]error, runners)
	for i := range runners {
		wg.Go(func() { applied[i], errs[i] = db.Migrate(ctx, url, nil) })
	}
	wg.Wait()
	total := 0
	for i := range runners {
		if errs[i] != nil {
			t.Fatalf("runner %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	// Counted, not the latest version: version numbers may have gaps.
	st, err := db.MigrationStatus(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(st) || total != len(st) {
		t.Fatalf("versions recorded %d, applied in total %d; want %d each", rows, total, len(st))
	}
}

func TestAppliedVersionOnUnmigratedDatabaseFails(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, dbtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := db.AppliedVersion(ctx, pool); err == nil {
		t.Fatal("AppliedVersion on a database without goose_db_version succeeded")
	}
}
