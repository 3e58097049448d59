package dbtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without PostgreSQL a test binary fails, under CI=true and elsewhere, saying
// what to install: database tests are never skipped.
func TestMissingPostgreSQLFailsTheRun(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDatabasesAreIsolated$", "-test.count=1")
		env := []string{"CI=" + ci}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DATABASE_URL=") {
				env = append(env, kv)
			}
		}
		// PG_BIN naming an empty directory: the binaries are missing, and an
		// explicit PG_BIN is never "fixed" with apt-get. exec keeps the last
		// of duplicate variables, so this one wins.
		cmd.Env = append(env, "PG_BIN="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("CI=%q: the run passed without PostgreSQL:\n%s", ci, out)
		}
		if !strings.Contains(string(out), "these tests need PostgreSQL") || !strings.Contains(string(out), "PG_BIN") {
			t.Fatalf("CI=%q: no clear message:\n%s", ci, out)
		}
	}
}
