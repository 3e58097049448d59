package dbtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/pgembed"
)

const (
	// dirPrefix names the temporary data directories of our clusters.
	dirPrefix = "poslink-dbtest-"
	// staleAfter is how old a data directory without a live server must be
	// before sweepStale takes it for the leftover of a killed run rather
	// than a cluster another test binary is still setting up.
	staleAfter = 5 * time.Minute
)

// connectServer uses the server at $DATABASE_URL, or starts a throwaway
// cluster when it is not set.
func connectServer(ctx context.Context) (*harness, error) {
	if serverURL := os.Getenv("DATABASE_URL"); serverURL != "" {
		return useServer(ctx, serverURL)
	}
	return startCluster(ctx)
}

// useServer works next to the database serverURL names, which it leaves alone.
func useServer(ctx context.Context, serverURL string) (*harness, error) {
	if _, err := withDatabase(serverURL, "x"); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	admin, err := db.Open(ctx, serverURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return &harness{
		adminURL: serverURL,
		// Checked above: an URL that parses once parses with any name.
		urlFor: func(dbname string) string { u, _ := withDatabase(serverURL, dbname); return u },
		admin:  admin,
	}, nil
}

// startCluster starts an Ephemeral cluster in a new temporary directory.
func startCluster(ctx context.Context) (*harness, error) {
	sweepStale()
	binDir, err := pgembed.EnsureBinaries(ctx, func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "dbtest: "+format+"\n", args...)
	})
	if err != nil {
		return nil, err
	}
	// As root, the postgres user must reach it: t.TempDir's parent, or a
	// private $TMPDIR, would be closed to it.
	dir, err := os.MkdirTemp(pgembed.TempDir(), dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   dir,
		Ephemeral: true,
		BinDir:    binDir,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		// Every parallel test opens its own pool; leave room for many.
		Settings: map[string]string{"max_connections": "300"},
	})
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	h := &harness{adminURL: c.ConnString("postgres"), urlFor: c.ConnString, stop: c.Stop}
	if h.admin, err = db.Open(ctx, h.adminURL); err != nil {
		return nil, errors.Join(fmt.Errorf("connect to the test cluster: %w", err), c.Stop(ctx))
	}
	return h, nil
}

// withDatabase returns serverURL (URL or keyword=value form) naming dbname
// instead of its own database.
func withDatabase(serverURL, dbname string) (string, error) {
	if strings.HasPrefix(serverURL, "postgres://") || strings.HasPrefix(serverURL, "postgresql://") {
		u, err := url.Parse(serverURL)
		if err != nil {
			return "", fmt.Errorf("parse URL: %w", err)
		}
		u.Path, u.RawPath = "/"+dbname, ""
		return u.String(), nil
	}
	// In keyword=value form the last setting of a keyword wins.
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dbname)
	return serverURL + " dbname='" + quoted + "'", nil
}

// sweepStale removes the data directories of earlier runs that were killed
// (test timeout, kill -9): their servers stopped with them thanks to the
// parent-death signal, but nobody removed the files.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(pgembed.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		if pid, err := pgembed.RunningPID(dir); err != nil || pid != 0 {
			continue
		}
		// Best effort: a directory that cannot be removed now is tried
		// again by the next run.
		_ = os.RemoveAll(dir)
	}
}
