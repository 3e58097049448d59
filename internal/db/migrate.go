package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for goose
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/poslink/poslink/migrations"
)

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version int64
	Name    string
	Applied bool
}

// newProvider opens a database/sql handle for goose. A Postgres advisory
// session lock makes concurrent runs (several instances starting at once)
// take turns instead of applying the same migration twice.
func newProvider(databaseURL string, logger *slog.Logger) (*goose.Provider, *sql.DB, error) {
	sqlDB, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open database for migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("migration lock: %w", err), sqlDB.Close())
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(logger),
	)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("migration provider: %w", err), sqlDB.Close())
	}
	return p, sqlDB, nil
}

// Migrate applies every pending migration and returns how many it applied.
func Migrate(ctx context.Context, databaseURL string, logger *slog.Logger) (n int, err error) {
	p, sqlDB, err := newProvider(databaseURL, logger)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, closeDB(sqlDB)) }()
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("apply migrations: %w", err)
	}
	return len(results), nil
}

func closeDB(db *sql.DB) error {
	if err := db.Close(); err != nil {
		return fmt.Errorf("close migration connection: %w", err)
	}
	return nil
}

// MigrationStatus lists every embedded migration and whether it is applied.
func MigrationStatus(ctx context.Context, databaseURL string) (_ []MigrationState, err error) {
	p, sqlDB, err := newProvider(databaseURL, nil)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, closeDB(sqlDB)) }()
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{
			Version: s.Source.Version,
			Name:    s.Source.Path,
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}

// LatestVersion is the newest embedded migration's version.
func LatestVersion() (int64, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	var latest int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", n, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// AppliedVersion is the newest migration applied to the database, or 0 when
// none is.
func AppliedVersion(ctx context.Context, q Querier) (int64, error) {
	var v int64
	err := q.QueryRow(ctx,
		`SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read applied migration version: %w", err)
	}
	return v, nil
}
