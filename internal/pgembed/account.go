package pgembed

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUser is the OS account initdb and postgres run as when we are root:
// both refuse to run as root, so the work is handed to the "postgres" user
// that the Debian package creates.
const serverUser = "postgres"

// account is the identity the server runs as. A nil *account means "as
// ourselves" (not root), and its methods then do nothing.
type account struct {
	uid, gid int
	groups   []int
}

// serverAccount returns the account for initdb and postgres: nil unless we
// are root.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the OS user %q, which was not found "+
			"(it comes with the Debian package 'postgresql'): %w", serverUser, err)
	}
	a := &account{}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", serverUser, u.Uid, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", serverUser, u.Gid, err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("user %s: groups: %w", serverUser, err)
	}
	for _, g := range gids {
		if n, err := strconv.Atoi(g); err == nil {
			a.groups = append(a.groups, n)
		}
	}
	return a, nil
}

// credential is what the child process runs as; nil keeps our own identity.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	groups := make([]uint32, 0, len(a.groups))
	for _, g := range a.groups {
		groups = append(groups, uint32(g))
	}
	return &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid), Groups: groups}
}

// chown gives path (not its contents) to the account.
func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	if err := os.Chown(path, a.uid, a.gid); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, serverUser, err)
	}
	return nil
}

// checkReach reports, as a clear error, a directory above dataDir that the
// account may not enter: postgres would otherwise fail with a terse
// "permission denied" in its log. ACLs are not considered.
func (a *account) checkReach(dataDir string) error {
	closed, err := a.closedOnWay(filepath.Dir(dataDir))
	if err != nil || closed == nil {
		return err
	}
	return fmt.Errorf("PostgreSQL runs as the OS user %q, which cannot reach %s: "+
		"%s (mode %#o) is closed to it; put the data directory elsewhere or open the directory (chmod o+x %s)",
		serverUser, dataDir, closed.path, closed.mode, closed.path)
}

// closedDir is a directory the account may not enter.
type closedDir struct {
	path string
	mode os.FileMode
}

// closedOnWay returns the first directory on the way to dir, dir included,
// that the account may not enter; nil when it reaches dir (always, for nil).
func (a *account) closedOnWay(dir string) (*closedDir, error) {
	if a == nil {
		return nil, nil
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	for p := resolved; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("check access to %s: %w", p, err)
		}
		if !a.canSearch(fi) {
			return &closedDir{path: p, mode: fi.Mode().Perm()}, nil
		}
		if p == filepath.Dir(p) {
			return nil, nil
		}
	}
}

// canSearch applies the owner/group/other execute bit that governs the account.
func (a *account) canSearch(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true // cannot tell; let postgres report it
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case int(st.Gid) == a.gid || slices.Contains(a.groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
