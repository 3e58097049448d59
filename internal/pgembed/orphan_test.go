package pgembed

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// orphanHelperEnv switches TestOrphanHelper from a no-op into the helper
// process of TestServerDiesWithParent: it names the data directory to use.
const orphanHelperEnv = "PGEMBED_ORPHAN_HELPER_DIR"

// TestServerDiesWithParent kills a process that started a server and checks
// that the server goes too (parent-death signal), rather than lingering on
// a data directory nobody will stop.
func TestServerDiesWithParent(t *testing.T) {
	dir := dataDir(t)
	helper := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$")
	helper.Env = append(os.Environ(), orphanHelperEnv+"="+dir)
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed below already when the test gets that far: errors here say only that.
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })

	var pid int
	var socketDir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "postgres pid %d socket %s", &pid, &socketDir); err == nil {
			break
		}
	}
	// Nobody is left to remove it: postgres deletes only its socket file.
	t.Cleanup(func() {
		if err := os.RemoveAll(socketDir); err != nil {
			t.Error(err)
		}
	})
	if pid == 0 {
		t.Fatal("helper did not report a postgres pid")
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait() // "signal: killed", as intended

	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postgres %d still running 15s after its parent was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOrphanHelper(t *testing.T) {
	dir := os.Getenv(orphanHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestServerDiesWithParent")
	}
	c, err := Start(context.Background(), Options{DataDir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("postgres pid %d socket %s\n", c.pid, c.socketDir)
	select {} // until killed
}

// alive reports whether pid is a process that has not exited; a zombie
// (exited, not yet reaped by whoever inherited it) counts as gone.
func alive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != "Z"
}

// children lists the running children of pid.
func children(pid int) []int {
	var kids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		kid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, ppid, ok := procStat(kid); ok && state != "Z" && ppid == pid {
			kids = append(kids, kid)
		}
	}
	return kids
}

// waitGone waits until the processes have exited.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still running", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// procStat reads a process's state letter and parent from /proc.
func procStat(pid int) (state string, ppid int, ok bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	// The fields after the parenthesised command name: state ppid ...
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	return fields[0], ppid, err == nil
}
