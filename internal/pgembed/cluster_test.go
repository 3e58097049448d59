package pgembed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// dataDir makes a directory the postgres user can reach when we are root:
// t.TempDir's parent is mode 0700.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(TempDir(), "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.ConnString("postgres"))
	if err != nil {
		t.Fatalf("connect with %s: %v", c.ConnString("postgres"), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) }) // the server may be gone by then
	return conn
}

func TestRestartKeepsData(t *testing.T) {
	dir := dataDir(t)
	c := start(t, Options{DataDir: dir})
	conn := connect(t, c)
	if _, err := conn.Exec(t.Context(), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Fatalf("data gone after Stop of a kept cluster: %v", err)
	}
	if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory %s not removed: %v", c.socketDir, err)
	}

	c2 := start(t, Options{DataDir: dir})
	var v string
	if err := connect(t, c2).QueryRow(t.Context(), `SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("after restart: v=%q err=%v", v, err)
	}
}

func TestSecondStartOnSameDataDirFails(t *testing.T) {
	dir := dataDir(t)
	c := start(t, Options{DataDir: dir, Ephemeral: true})

	_, err := Start(t.Context(), Options{DataDir: dir})
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("second Start: got %v, want an InUseError", err)
	}
	if inUse.PID != c.pid || !strings.Contains(err.Error(), "already used by process") {
		t.Errorf("error %q names pid %d, want %d", err, inUse.PID, c.pid)
	}
	// The failed attempt must not have disturbed the running server.
	if err := connect(t, c).Ping(t.Context()); err != nil {
		t.Errorf("first server after the failed second Start: %v", err)
	}
}

// A crash leaves postmaster.pid behind; the next Start must recover, with
// the committed data.
func TestStartAfterCrash(t *testing.T) {
	dir := dataDir(t)
	c := start(t, Options{DataDir: dir})
	if _, err := connect(t, c).Exec(t.Context(), `CREATE TABLE t (id int); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	// Backends outlive a killed postmaster for a moment (they notice its
	// death and exit); until then their shared memory blocks a new server.
	backends := children(c.pid)
	c.signal(syscall.SIGKILL)
	<-c.Done()
	waitGone(t, backends)
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid: %v", err)
	}

	c2 := start(t, Options{DataDir: dir})
	var n int
	if err := connect(t, c2).QueryRow(t.Context(), `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after crash recovery: %d rows, %v", n, err)
	}
}

func TestStopEscalatesOnDeadline(t *testing.T) {
	dir := dataDir(t)
	c := start(t, Options{DataDir: dir, Ephemeral: true})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	began := time.Now()
	// An ended context skips straight to the immediate shutdown, which must
	// still end the server well before the kill fallback.
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(began); d > killGrace {
		t.Errorf("Stop took %v", d)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("server still running after Stop")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stop of an Ephemeral cluster left %s: %v", dir, err)
	}
}

func TestStartFailureShowsServerLog(t *testing.T) {
	dir := dataDir(t)
	_, err := Start(t.Context(), Options{DataDir: dir, Ephemeral: true, Settings: map[string]string{"shared_buffers": "lots"}})
	if err == nil || !strings.Contains(err.Error(), `invalid value for parameter "shared_buffers"`) {
		t.Fatalf("got %v, want the server's complaint", err)
	}
	if pid, err := RunningPID(dir); pid != 0 || err != nil {
		t.Errorf("after a failed Start: server pid %d (%v)", pid, err)
	}
}

// As root, a data directory the postgres user cannot reach (a checkout
// under /root, mode 0700) gets a stand-in that it links to: kept across
// runs, and started over when the data directory is deleted.
func TestClosedDataDirGetsStandIn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	home := t.TempDir() // mode 0700 and root's, like /root
	varDir := filepath.Join(home, "checkout", "var")
	asked := filepath.Join(varDir, "pg")
	standIn := standInFor(asked)
	t.Cleanup(func() {
		if err := os.RemoveAll(filepath.Dir(standIn)); err != nil {
			t.Error(err)
		}
		_ = os.Remove(standInRoot) // fails while another cluster lives there, as it should
	})

	c := start(t, Options{DataDir: asked})
	if !c.Relocated() || c.DataDir() != standIn || !strings.HasPrefix(standIn, standInRoot+"/") {
		t.Fatalf("cluster in %s (relocated %v), want the stand-in %s", c.DataDir(), c.Relocated(), standIn)
	}
	if target, err := os.Readlink(asked); err != nil || target != standIn {
		t.Fatalf("%s links to %q (%v), want %s", asked, target, err, standIn)
	}
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(standIn), "data-dir")); err != nil || string(b) != asked+"\n" {
		t.Errorf("the stand-in's note names %q (%v), want %s", b, err, asked)
	}
	if _, err := connect(t, c).Exec(t.Context(), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	c = start(t, Options{DataDir: asked})
	var v string
	if err := connect(t, c).QueryRow(t.Context(), `SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("second run on the stand-in: v=%q err=%v", v, err)
	}
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// rm -rf var starts over, as it does without a stand-in.
	if err := os.RemoveAll(varDir); err != nil {
		t.Fatal(err)
	}
	c = start(t, Options{DataDir: asked})
	var found bool
	if err := connect(t, c).QueryRow(t.Context(), `SELECT to_regclass('kept') IS NOT NULL`).Scan(&found); err != nil || found {
		t.Fatalf("after deleting the data directory the old cluster is back (found %v, %v)", found, err)
	}
}

// An existing directory is never moved, and a throwaway cluster is put
// where its caller says: both get a clear error when closed to postgres.
func TestClosedDataDirErrors(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	full := filepath.Join(t.TempDir(), "pg")
	if err := os.MkdirAll(full, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{DataDir: full}, {DataDir: filepath.Join(t.TempDir(), "pg"), Ephemeral: true}} {
		_, err := Start(t.Context(), opts)
		if err == nil || !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("Start(%+v): got %v, want a 'cannot reach' error", opts, err)
		}
		if fi, err := os.Lstat(opts.DataDir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("%s was replaced by a link", opts.DataDir)
		}
	}
}

// With $TMPDIR private to root, throwaway clusters and sockets go to /tmp.
func TestPrivateTMPDIR(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	private := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", private)
	if got := TempDir(); got != "/tmp" {
		t.Fatalf("TempDir() = %s with a private TMPDIR, want /tmp", got)
	}
	c := start(t, Options{DataDir: dataDir(t), Ephemeral: true})
	if err := connect(t, c).Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestConnStringForm(t *testing.T) {
	c := &Cluster{socketDir: "/tmp/pg-123"}
	want := "postgres://postgres@/my%20db?host=/tmp/pg-123&sslmode=disable"
	if got := c.ConnString("my db"); got != want {
		t.Errorf("ConnString = %q, want %q", got, want)
	}
	cfg, err := pgx.ParseConfig(c.ConnString("app"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "/tmp/pg-123" || cfg.Database != "app" || cfg.User != "postgres" {
		t.Errorf("pgx reads host=%q database=%q user=%q", cfg.Host, cfg.Database, cfg.User)
	}
}
