package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// initdb creates a cluster in the empty dataDir.
func initdb(ctx context.Context, dataDir, binDir string, acct *account, ephemeral bool, logger *slog.Logger) error {
	args := []string{"-D", dataDir, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C"}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
	// Our working directory may be closed to the postgres user; this one is not.
	cmd.Dir = dataDir
	// SIGTERM, unlike the default SIGKILL, lets initdb remove what it wrote,
	// so an interrupted initdb does not leave a half-made cluster behind.
	cmd.SysProcAttr = childAttr(acct.credential(), syscall.SIGTERM)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	exited, err := startLocked(cmd)
	if err == nil {
		err = <-exited
	}
	if err != nil {
		return fmt.Errorf("initdb %s: %w: %s", dataDir, err, lastLines(out.String(), 10))
	}
	logger.Debug("initdb done", "data", dataDir, "took", time.Since(began).Round(time.Millisecond), "output", out.String())
	return nil
}

// launch starts postgres with its output appended to the log file.
func (c *Cluster) launch(binDir string, acct *account, extraArgs []string) error {
	var err error
	if c.socketDir, err = makeSocketDir(acct); err != nil {
		return err
	}
	logPath := c.LogPath()
	if c.logFile, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	if err := acct.chown(logPath); err != nil {
		return err
	}
	if fi, err := c.logFile.Stat(); err == nil {
		c.logStart = fi.Size()
	}
	args := append([]string{"-D", c.dataDir, "-k", c.socketDir}, extraArgs...)
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = c.dataDir
	cmd.Stdout, cmd.Stderr = c.logFile, c.logFile
	// SIGINT is postgres' fast shutdown: clean, and it disconnects clients.
	cmd.SysProcAttr = childAttr(acct.credential(), syscall.SIGINT)
	exited, err := startLocked(cmd)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.pid = cmd.Process.Pid
	go func() {
		c.exitErr = <-exited
		close(c.exited)
	}()
	return nil
}

// makeSocketDir creates a private directory for the server's socket. It is
// made under the temporary directory rather than in the data directory
// because a socket path must stay short (maxSocketPath).
func makeSocketDir(acct *account) (string, error) {
	parent := tempDirFor(acct)
	if len(parent)+len("/pg-1234567890/")+len(socketName) > maxSocketPath {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "pg-")
	if err != nil {
		return "", fmt.Errorf("create socket directory: %w", err)
	}
	if err := acct.chown(dir); err != nil {
		return "", errors.Join(err, os.Remove(dir))
	}
	return dir, nil
}

// startLocked starts cmd from a goroutine locked to its OS thread, and keeps
// that thread until the child exits: Linux delivers the parent-death signal
// when the thread that forked the child ends, not the process, and the Go
// runtime ends a thread whenever a goroutine exits while locked to it
// (golang/go#27505). The returned channel yields cmd.Wait's result.
func startLocked(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return exited, nil
}

// waitReady polls until the server accepts a connection, it exits, or the
// timeout passes.
func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout,
		fmt.Errorf("postgres did not accept connections within %s", timeout))
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		conn, err := pgconn.Connect(attemptCtx, c.ConnString("postgres"))
		cancelAttempt()
		if err == nil {
			return conn.Close(ctx)
		}
		lastErr = err
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited while starting (%w); server log %s:\n%s", c.exitErr, c.LogPath(), c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%w (last attempt: %w); server log %s:\n%s",
				context.Cause(ctx), lastErr, c.LogPath(), c.logTail())
		case <-tick.C:
		}
	}
}

// abort undoes a failed start: kill the server, drop the socket directory.
// The data directory stays, even if Ephemeral, so the log can be read.
func (c *Cluster) abort() {
	if c.pid != 0 {
		c.signal(syscall.SIGKILL)
		<-c.exited
	}
	// Best effort: the start has already failed with the error that matters.
	if c.socketDir != "" {
		_ = os.RemoveAll(c.socketDir)
	}
	if c.logFile != nil {
		_ = c.logFile.Close()
	}
	c.stopped = true
}

// logTail is the end of what this server wrote to its log.
func (c *Cluster) logTail() string {
	f, err := os.Open(c.LogPath())
	if err != nil {
		return fmt.Sprintf("(cannot read: %v)", err)
	}
	defer func() { _ = f.Close() }() // read only: closing reports nothing of use
	const maxTail = 8 << 10
	start := c.logStart
	if fi, err := f.Stat(); err == nil && fi.Size()-start > maxTail {
		start = fi.Size() - maxTail
	}
	b, err := io.ReadAll(io.NewSectionReader(f, start, maxTail))
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Sprintf("(cannot read: %v)", err)
	}
	return lastLines(string(b), 20)
}

// lastLines keeps the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
