package browsertest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const hideBrowserEnv = "BROWSERTEST_HIDE_BROWSER"

// TestOpensATab is what a browser test needs: a tab that loads a page. Run
// by TestMissingBrowser in a machine without a browser.
func TestOpensATab(t *testing.T) {
	ctx := New(t)
	if _, err := Navigate(ctx, "about:blank"); err != nil {
		t.Fatal(err)
	}
}

// Without a browser, browser tests fail under CI=true and skip elsewhere,
// saying what to install either way: never a silent pass.
func TestMissingBrowser(t *testing.T) {
	if os.Getenv(hideBrowserEnv) == "1" {
		t.Skip("inside the re-run")
	}
	run := func(ci string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpensATab$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), hideBrowserEnv+"=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("true")
	if err == nil {
		t.Fatalf("CI=true without a browser passed:\n%s", out)
	}
	if !strings.Contains(out, "chromium not found") || !strings.Contains(out, "--- FAIL: TestOpensATab") {
		t.Fatalf("CI=true without a browser: no clear failure:\n%s", out)
	}
	out, err = run("")
	if err != nil {
		t.Fatalf("without CI and without a browser the run failed (%v):\n%s", err, out)
	}
	if !strings.Contains(out, "--- SKIP: TestOpensATab") || !strings.Contains(out, "chromium not found") {
		t.Fatalf("without CI: want a skip that says what to install:\n%s", out)
	}
}
