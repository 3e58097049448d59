// Package dbtest gives each test its own PostgreSQL database.
//
// A test binary gets one server: $DATABASE_URL when set, else a throwaway
// cluster started from the system's PostgreSQL binaries. Main migrates a
// template database once; New copies it for each test (a copy costs the same
// however many migrations there are) and drops the copy when the test ends.
// Use it as
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// Without PostgreSQL the tests fail with a message saying what to install:
// they are never skipped.
package dbtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/db"
)

// harness is the server and template shared by a test binary's tests.
type harness struct {
	adminURL string                      // a maintenance database, never dropped
	urlFor   func(dbname string) string  // URL of another database on the server
	admin    *pgxpool.Pool               // on adminURL: creates and drops databases
	template string                      // migrated database that New copies
	stop     func(context.Context) error // stops our own cluster; nil with $DATABASE_URL

	teardownOnce sync.Once
	teardownErr  error
}

// current is set by Main before any test runs and never changed after.
var current *harness

// setupTimeout covers installing PostgreSQL with apt-get on a bare machine.
const setupTimeout = 10 * time.Minute

// Main prepares the server and the migrated template, runs the tests, cleans
// up and exits with the tests' status.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that wraps more around the
// tests (a browser, say): it returns the exit code of m.Run.
func Run(m interface{ Run() int }) int {
	// testing.Verbose needs the flags, which m.Run would parse only later.
	if !flag.Parsed() {
		flag.Parse()
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	h, err := setup(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: these tests need PostgreSQL: %v\n", err)
		return 1
	}
	current = h
	go h.teardownOnSignal()
	code := m.Run()
	if err := h.teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: clean up: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// setup connects to (or starts) the server and migrates the template.
func setup(ctx context.Context) (*harness, error) {
	began := time.Now()
	h, err := connectServer(ctx)
	if err != nil {
		return nil, err
	}
	serverReady := time.Now()
	if err := h.createTemplate(ctx); err != nil {
		return nil, errors.Join(err, h.teardown())
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "dbtest: setup took %v (server %v, template migrated in %v)\n",
			time.Since(began).Round(time.Millisecond), serverReady.Sub(began).Round(time.Millisecond),
			time.Since(serverReady).Round(time.Millisecond))
	}
	return h, nil
}

// createTemplate makes and migrates the database New copies.
func (h *harness) createTemplate(ctx context.Context) error {
	name := uniqueName("template")
	if err := h.createDatabase(ctx, name, "template0"); err != nil {
		return err
	}
	h.template = name
	if _, err := db.Migrate(ctx, h.urlFor(name), nil); err != nil {
		return fmt.Errorf("migrate template database: %w", err)
	}
	return nil
}

// teardown drops the template and stops the server; it runs once, whether
// the tests ended or we were interrupted.
func (h *harness) teardown() error {
	h.teardownOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		if h.template != "" {
			err = h.dropDatabase(ctx, h.template)
		}
		h.admin.Close()
		if h.stop != nil {
			err = errors.Join(err, h.stop(ctx))
		}
		h.teardownErr = err
	})
	return h.teardownErr
}

// teardownOnSignal cleans up when the run is interrupted (Ctrl-C): the
// default would leave the cluster's data directory behind.
func (h *harness) teardownOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	sig := <-ch
	fmt.Fprintf(os.Stderr, "dbtest: %v: removing the test databases\n", sig)
	if err := h.teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: clean up: %v\n", err)
	}
	os.Exit(1)
}
