package pgembed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// standInRoot holds, as root, the clusters whose data directory the
// postgres user cannot reach. /var/lib is where state kept across reboots
// belongs: /tmp is emptied at boot and /var/tmp pruned by age.
const standInRoot = "/var/lib/poslink"

// standInFor is the stand-in directory of the data directory asked
// (absolute): one per path, so each checkout keeps a cluster of its own.
func standInFor(asked string) string {
	sum := sha256.Sum256([]byte(asked))
	return filepath.Join(standInRoot, hex.EncodeToString(sum[:6]), "pg")
}

// placeDataDir returns the directory that holds the cluster of the data
// directory asked (absolute), and whether it is a stand-in.
//
// It is asked itself, unless we are root and the postgres user cannot reach
// it, as with a checkout under /root (mode 0700 on Debian). The cluster then
// lives in a stand-in under standInRoot and asked becomes a symbolic link
// to it: the link finds the cluster again on the next run, and deleting
// asked (rm -rf var) starts over, as it does without a stand-in. An existing
// cluster is never moved: an unreachable non-empty directory is an error.
func placeDataDir(asked string, acct *account, logger *slog.Logger) (string, bool, error) {
	if acct == nil {
		return asked, false, nil
	}
	standIn := standInFor(asked)
	if fi, err := os.Lstat(asked); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if target, err := os.Readlink(asked); err == nil && target == standIn {
			return standIn, true, nil
		}
		// The user's own link: the cluster lives where it points.
		resolved, err := filepath.EvalSymlinks(asked)
		if err != nil {
			return "", false, fmt.Errorf("data directory %s: %w", asked, err)
		}
		return resolved, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(asked), 0o755); err != nil {
		return "", false, fmt.Errorf("create data directory: %w", err)
	}
	closed, err := acct.closedOnWay(filepath.Dir(asked))
	if err != nil || closed == nil {
		return asked, false, err
	}
	entries, err := os.ReadDir(asked)
	if err != nil && !errors.Is(err, fs.ErrNotExist) || len(entries) > 0 {
		return "", false, acct.checkReach(asked)
	}

	// A stand-in without its link belongs to a data directory since deleted.
	if _, err := os.Stat(standIn); err == nil {
		if pid, err := RunningPID(standIn); err != nil {
			return "", false, err
		} else if pid != 0 {
			return "", false, &InUseError{DataDir: standIn, PID: pid}
		}
		logger.Info("removing the cluster of a deleted data directory", "data", asked, "stand_in", standIn)
		if err := os.RemoveAll(standIn); err != nil {
			return "", false, fmt.Errorf("remove the cluster of a deleted data directory: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(standIn), 0o755); err != nil {
		return "", false, fmt.Errorf("create data directory: %w", err)
	}
	// Which checkout the stand-in serves, for whoever finds it.
	if err := os.WriteFile(filepath.Join(filepath.Dir(standIn), "data-dir"), []byte(asked+"\n"), 0o644); err != nil {
		return "", false, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Remove(asked); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("replace data directory by a link: %w", err)
	}
	if err := os.Symlink(standIn, asked); err != nil {
		return "", false, fmt.Errorf("link data directory: %w", err)
	}
	logger.Info("the postgres user cannot reach the data directory; the cluster lives in a stand-in it links to",
		"data", asked, "closed", closed.path, "stand_in", standIn)
	return standIn, true, nil
}

// TempDir is the temporary directory for clusters that the server can
// reach: os.TempDir(), unless we are root and the postgres user cannot
// enter it ($TMPDIR set to a private directory), then /tmp.
func TempDir() string {
	acct, err := serverAccount()
	if err != nil {
		return os.TempDir() // Start reports the missing account
	}
	return tempDirFor(acct)
}

func tempDirFor(acct *account) string {
	dir := os.TempDir()
	if closed, err := acct.closedOnWay(dir); err == nil && closed == nil {
		return dir
	}
	return "/tmp"
}
