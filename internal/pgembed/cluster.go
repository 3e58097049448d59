// Package pgembed runs a private PostgreSQL server from the system's
// binaries: a child process listening only on a unix socket in a private
// directory, with its data in a directory of our choosing. It backs
// `poslink demo` (data kept across runs) and the test harness (a throwaway
// cluster per test binary).
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures Start.
type Options struct {
	// DataDir holds the cluster. Start initialises it when it has no
	// PG_VERSION yet and reuses the data otherwise. Required. As root, when
	// the postgres user cannot reach it, the cluster lives in a stand-in
	// directory and DataDir links there (see placeDataDir).
	DataDir string
	// Ephemeral trades durability for speed, for tests: no fsync anywhere,
	// and Stop removes DataDir. Its DataDir must be reachable (TempDir is).
	Ephemeral bool
	// Logger receives our progress messages (not the server's output, which
	// goes to LogPath). Nil discards them.
	Logger *slog.Logger
	// BinDir holds initdb and postgres; empty means FindBinaries.
	BinDir string
	// Settings are extra server settings, passed as postgres -c name=value.
	Settings map[string]string
	// StartTimeout bounds the wait for the server to accept connections,
	// which includes crash recovery after an unclean stop. Zero means a minute.
	StartTimeout time.Duration
}

// Cluster is a running server started by Start.
type Cluster struct {
	dataDir   string // absolute
	relocated bool   // dataDir is a stand-in for the directory asked (placeDataDir)
	socketDir string
	ephemeral bool
	logger    *slog.Logger
	logFile   *os.File
	logStart  int64 // size of the log file before this server wrote to it

	pid     int
	exited  chan struct{} // closed once the server process has exited
	exitErr error         // how it exited; read only after exited is closed

	stopMu  sync.Mutex
	stopped bool
	stopErr error
}

const (
	// superuser is the role initdb creates; trust authentication lets any
	// local process that can reach the private socket use it.
	superuser = "postgres"
	// logName is the server's log file inside the data directory.
	logName = "postgres.log"
	// maxSocketPath is the room for a unix socket path (sun_path, minus NUL).
	maxSocketPath = 107
	// socketName is the socket postgres creates in its socket directory for
	// the default port; we never listen on TCP, so the port only names it.
	socketName = ".s.PGSQL.5432"
)

// Start initialises DataDir if needed and starts postgres on it, returning
// once the server accepts connections. The server is our child: Stop it
// when done (it also stops, cleanly, if this process dies).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("start PostgreSQL: no data directory given")
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", opts.DataDir, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = FindBinaries(); err != nil {
			return nil, err
		}
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	relocated := false
	if !opts.Ephemeral {
		if dataDir, relocated, err = placeDataDir(dataDir, acct, logger); err != nil {
			return nil, err
		}
	}
	if err := prepareDataDir(ctx, dataDir, binDir, acct, opts.Ephemeral, logger); err != nil {
		return nil, err
	}
	if pid, err := RunningPID(dataDir); err != nil {
		return nil, err
	} else if pid != 0 {
		return nil, &InUseError{DataDir: opts.DataDir, PID: pid}
	}

	c := &Cluster{dataDir: dataDir, relocated: relocated, ephemeral: opts.Ephemeral, logger: logger, exited: make(chan struct{})}
	began := time.Now()
	if err := c.launch(binDir, acct, serverArgs(opts)); err != nil {
		c.abort()
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	if err := c.waitReady(ctx, timeout); err != nil {
		c.abort()
		// Two Starts racing past our check: postgres' own lock stopped this one.
		if pid, _ := RunningPID(dataDir); pid != 0 && pid != c.pid {
			return nil, &InUseError{DataDir: opts.DataDir, PID: pid}
		}
		return nil, err
	}
	logger.Info("PostgreSQL started", "data", dataDir, "socket", c.socketDir, "log", c.LogPath(),
		"pid", c.pid, "took", time.Since(began).Round(time.Millisecond))
	return c, nil
}

// prepareDataDir creates the data directory and runs initdb in it unless it
// already holds a cluster.
func prepareDataDir(ctx context.Context, dataDir, binDir string, acct *account, ephemeral bool, logger *slog.Logger) error {
	// Parents we create must stay open to the postgres user (as for ./var
	// of ./var/pg); only the data directory itself is private.
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := acct.checkReach(dataDir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("inspect data directory: %w", err)
	}
	// Only a fresh directory is handed over: an existing cluster keeps its
	// owner, and postgres names a wrong one clearly itself.
	if err := acct.chown(dataDir); err != nil {
		return err
	}
	return initdb(ctx, dataDir, binDir, acct, ephemeral, logger)
}

// serverArgs are the postgres arguments apart from -D and -k.
func serverArgs(opts Options) []string {
	// No TCP at all: the socket directory is private, so nothing else on the
	// machine can reach the server, and no port can clash with another one.
	args := []string{"-c", "listen_addresses="}
	if opts.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, k := range slices.Sorted(maps.Keys(opts.Settings)) {
		args = append(args, "-c", k+"="+opts.Settings[k])
	}
	return args
}

// ConnString is a URL for database dbname as the superuser, in the form pgx
// and libpq accept: postgres://postgres@/DBNAME?host=SOCKETDIR&sslmode=disable.
func (c *Cluster) ConnString(dbname string) string {
	// A "/" is allowed in a query; keeping it makes the URL readable.
	host := strings.ReplaceAll(url.QueryEscape(c.socketDir), "%2F", "/")
	return "postgres://" + superuser + "@/" + url.PathEscape(dbname) + "?host=" + host + "&sslmode=disable"
}

// DataDir is the absolute path of the cluster's data directory.
func (c *Cluster) DataDir() string { return c.dataDir }

// Relocated reports whether the cluster lives in a stand-in directory
// (DataDir) that the data directory asked for links to, because the
// postgres user cannot reach the latter.
func (c *Cluster) Relocated() bool { return c.relocated }

// LogPath is the server's log file (inside the data directory).
func (c *Cluster) LogPath() string { return filepath.Join(c.dataDir, logName) }

// Done is closed when the server process exits, whether by Stop or not:
// `poslink demo` watches it to stop serving when its database is gone.
func (c *Cluster) Done() <-chan struct{} { return c.exited }

// Exited says how the server process ended, with the end of its log, once
// Done is closed; nil while it runs.
func (c *Cluster) Exited() error {
	select {
	case <-c.exited:
	default:
		return nil
	}
	how := "exit status 0"
	if c.exitErr != nil {
		how = c.exitErr.Error()
	}
	return fmt.Errorf("postgres (pid %d) exited (%s); server log %s:\n%s", c.pid, how, c.LogPath(), c.logTail())
}

// signal sends sig to the postmaster. Only to it: its children are each in
// a process group of their own, and exit by themselves when it is gone.
func (c *Cluster) signal(sig syscall.Signal) {
	// An error means the process is gone already, which is what we want.
	_ = syscall.Kill(c.pid, sig)
}
