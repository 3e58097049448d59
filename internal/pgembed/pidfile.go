package pgembed

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// InUseError reports that a live postgres already serves the data directory.
type InUseError struct {
	DataDir string // as given in Options
	PID     int
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("database in %s is already used by process %d: is another poslink demo running?", e.DataDir, e.PID)
}

// RunningPID returns the pid of the live postgres serving dataDir, or 0
// when there is none.
//
// A stale postmaster.pid left by a crash is not ours to remove: postgres
// checks the pid itself and replaces the file. We only look for a live
// server, to give a clearer error than postgres' "lock file already exists".
// A pid reused by an unrelated process (typical after a container restart)
// is not mistaken for a server.
func RunningPID(dataDir string) (int, error) {
	f, err := os.Open(filepath.Join(dataDir, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: closing reports nothing of use
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, nil // empty: a server died while writing it
	}
	pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil {
		return 0, nil // garbage: postgres will judge
	}
	pid = max(pid, -pid) // a single-user backend records its pid negated
	if pid == 0 || pid == os.Getpid() {
		return 0, nil
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, nil // no such process
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		if _, procErr := os.Stat("/proc/self/comm"); procErr == nil {
			return 0, nil // /proc works, so the process has just exited
		}
		return pid, nil // no /proc to tell: assume the worst
	}
	switch strings.TrimSpace(string(comm)) {
	case "postgres", "postmaster":
		return pid, nil
	}
	return 0, nil
}
