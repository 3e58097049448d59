package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNotInstalled reports that no PostgreSQL server binaries (initdb and
// postgres) were found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries not found")

// installHint completes ErrNotInstalled into the one line a user needs.
const installHint = "install the Debian package 'postgresql' (apt-get install postgresql) " +
	"or set PG_BIN to the directory holding initdb and postgres"

// debianBinGlob is where Debian and Ubuntu put the server binaries: they are
// not on PATH there, since several major versions can be installed side by side.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinaries returns the directory holding initdb and postgres: $PG_BIN
// when set, else the directory of initdb on PATH, else the newest
// /usr/lib/postgresql/VERSION/bin.
func FindBinaries() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if !hasServerBinaries(dir) {
			return "", fmt.Errorf("%w: PG_BIN=%s does not hold both initdb and postgres", ErrNotInstalled, dir)
		}
		return dir, nil
	}
	// Both must come from the same directory: an initdb of one major version
	// cannot prepare data for the postgres of another.
	// Prefer the real directory behind a symlinked initdb (/usr/local/bin
	// pointing into /usr/lib/postgresql/15/bin): its postgres is the matching one.
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dirs := []string{filepath.Dir(initdb)}
		if target, err := filepath.EvalSymlinks(initdb); err == nil {
			dirs = slices.Insert(dirs, 0, filepath.Dir(target))
		}
		for _, dir := range dirs {
			if hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	dirs, err := filepath.Glob(debianBinGlob)
	if err != nil {
		return "", fmt.Errorf("list %s: %w", debianBinGlob, err)
	}
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: neither on PATH nor in %s", ErrNotInstalled, debianBinGlob)
}

// EnsureBinaries is FindBinaries that, when the binaries are missing and we
// are root on a Debian-like system, installs the 'postgresql' package with
// apt-get first. logf receives progress and apt-get's output; nil means
// standard error.
func EnsureBinaries(ctx context.Context, logf func(string, ...any)) (string, error) {
	dir, err := FindBinaries()
	// An explicit PG_BIN that is wrong is the user's choice to fix, not ours.
	if err == nil || !errors.Is(err, ErrNotInstalled) || os.Getenv("PG_BIN") != "" {
		return dir, err
	}
	notFound := fmt.Errorf("%w: %s", ErrNotInstalled, installHint)
	aptGet, lookErr := exec.LookPath("apt-get")
	if os.Geteuid() != 0 || lookErr != nil {
		return "", notFound
	}
	if logf == nil {
		logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	logf("PostgreSQL server binaries not found: installing the Debian package 'postgresql' with apt-get")
	for _, args := range [][]string{{"update"}, {"install", "-y", "postgresql"}} {
		if err := runLogged(ctx, logf, aptGet, args...); err != nil {
			return "", fmt.Errorf("apt-get %s failed (%w); %w", args[0], err, notFound)
		}
	}
	dir, err = FindBinaries()
	if err != nil {
		return "", fmt.Errorf("after apt-get install postgresql: %w", err)
	}
	return dir, nil
}

// runLogged runs a command non-interactively, passing each output line to logf.
func runLogged(ctx context.Context, logf func(string, ...any), name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logf("%s: %s", filepath.Base(name), sc.Text())
		}
		// Keep draining after an overlong line so the command never blocks on us.
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	// Closing the pipe's write end only tells the copier to stop; it
	// cannot fail in a way that matters once the command has ended.
	_ = pw.Close()
	<-copied
	return err
}

func hasServerBinaries(dir string) bool {
	return isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres"))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// versionOf extracts "15" or "9.6" from /usr/lib/postgresql/VERSION/bin.
func versionOf(binDir string) string {
	return filepath.Base(filepath.Dir(binDir))
}

// compareVersions orders dotted numeric versions ("9.6" < "15"); parts that
// are not numbers sort first.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		na, nb := -1, -1
		if i < len(pa) {
			if n, err := strconv.Atoi(pa[i]); err == nil {
				na = n
			}
		}
		if i < len(pb) {
			if n, err := strconv.Atoi(pb[i]); err == nil {
				nb = n
			}
		}
		if na != nb {
			return na - nb
		}
	}
	return 0
}
