// Package browsertest runs browser tests of the poslink web UI with chromedp.
//
// A test binary starts one headless Chromium the first time a test asks for a
// tab, and each test gets its own tab in its own browser context (separate
// cookies and storage, like an incognito window), so tests that log in as
// different users can run in parallel without seeing each other's sessions.
//
// Use it like this:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
//	func TestLogin(t *testing.T) {
//		ctx := browsertest.New(t)
//		if _, err := browsertest.Navigate(ctx, srv.URL+"/login"); err != nil {
//			t.Fatal(err)
//		}
//		...
//		browsertest.Screenshot(t, ctx, "after-login")
//	}
//
// Without Main the tests still work, but the browser's profile directory is
// left behind in the temporary directory.
package browsertest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// testTimeout bounds one test's tab, so that a selector that never
	// matches fails the test instead of hanging until go test's 10 min limit.
	testTimeout = 60 * time.Second

	// startTimeout bounds the start of the browser. A healthy start takes
	// well under a second; a browser that does not answer at all should not
	// hold every test up for the whole testTimeout.
	startTimeout = 30 * time.Second

	// The viewport of every tab. Headless Chromium takes --window-size as
	// the outer window size (1280x900 gives a 1280x757 page), so New also
	// sets the viewport of each tab; screenshots then have a known width
	// and the first screen of a page is what a laptop shows.
	viewportWidth, viewportHeight = 1280, 900

	// installHint is the message for a machine without Chromium.
	installHint = "chromium not found: apt-get install chromium (or set $CHROMIUM to the browser binary)"
)

// shared is the one browser of the test binary.
var shared struct {
	once sync.Once

	// Set by start; read-only afterwards.
	execPath    string
	err         error // why the browser is unusable; errNotFound if it is absent
	userDataDir string
	allocCancel context.CancelFunc
	browserCtx  context.Context // holds the started browser; parent of every tab
	browserStop context.CancelFunc
	startedIn   time.Duration
}

// errNotFound marks a missing browser binary, which New reports as a skip
// (or a failure on CI) rather than as a broken browser.
var errNotFound = errors.New(installHint)

// New returns a context for a new browser tab, for use with the helpers of
// this package or with chromedp.Run. The tab lives in its own browser context
// and is closed when the test ends; the whole test gets about a minute.
//
// When Chromium is not installed, New skips the test, or fails it when the
// environment variable CI is "true", so that a CI job without a browser cannot
// pass by skipping everything.
//
// When the test has failed by the time it ends, New's cleanup saves a
// screenshot named "failed" of the tab, to show what the page looked like.
func New(t *testing.T) context.Context {
	t.Helper()
	first := false
	shared.once.Do(func() { start(); first = true })
	if errors.Is(shared.err, errNotFound) {
		if os.Getenv("CI") == "true" {
			t.Fatal(shared.err)
		}
		t.Skip(shared.err)
	}
	if shared.err != nil {
		t.Fatalf("browsertest: %v", shared.err)
	}
	if first {
		t.Logf("browsertest: %s started in %v", shared.execPath, shared.startedIn.Round(time.Millisecond))
	}

	timeoutCtx, cancelTimeout := context.WithTimeout(shared.browserCtx, testTimeout)
	ctx, cancelTab := chromedp.NewContext(timeoutCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		cancelTab()
		cancelTimeout()
	})
	// Registered after the cancel above, so it runs before it (LIFO).
	t.Cleanup(func() {
		if t.Failed() && ctx.Err() == nil {
			if err := saveScreenshot(t, ctx, "failed"); err != nil {
				t.Logf("browsertest: screenshot of the failed test: %v", err)
			}
		}
	})

	// Open the tab now: an error here is about the browser, not about the
	// test's first step, and later helpers may derive shorter timeouts from
	// ctx, which chromedp only allows once the tab exists.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	return ctx
}

// Main runs the tests and then stops the shared browser and removes its
// profile directory. Call it from TestMain; it does not return.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that sets up more (such as
// a database) around the tests: it returns m.Run's exit code.
func Run(m interface{ Run() int }) int {
	code := m.Run()
	if errors.Is(shared.err, errNotFound) {
		// go test shows skips only with -v; say it once more, for a run
		// in the package directory.
		fmt.Printf("browsertest: browser tests skipped: %v\n", shared.err)
	}
	shutdown()
	return code
}

// shutdown stops the browser, if one was started, and removes its profile.
func shutdown() {
	if shared.browserStop == nil {
		return
	}
	// Close the browser gracefully first, so that it does not write into its
	// profile while the directory is removed; the cancels below kill it if
	// it does not finish in time.
	ctx, cancel := context.WithTimeout(shared.browserCtx, 5*time.Second)
	_ = chromedp.Cancel(ctx) // best effort: the cancels below stop it anyway
	cancel()
	shared.browserStop()
	shared.allocCancel() // waits until the browser process has exited
	shared.browserStop = nil
	if err := os.RemoveAll(shared.userDataDir); err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: remove the browser profile: %v\n", err)
	}
}

// start starts the shared browser; it runs once per test binary.
func start() {
	begin := time.Now()
	path, err := findChromium()
	if err != nil {
		shared.err = err
		return
	}
	shared.execPath = path

	// An explicit profile directory instead of chromedp's own temporary one,
	// so that Main knows what to remove.
	dir, err := os.MkdirTemp("", "poslink-chromium-")
	if err != nil {
		shared.err = fmt.Errorf("create the browser profile directory: %w", err)
		return
	}
	shared.userDataDir = dir

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.DisableGPU,
		// Tests run offline: keep Chromium from calling home, which on a
		// machine without internet floods the log with refused connections.
		// (DefaultExecAllocatorOptions already disables background
		// networking and sets no-first-run; repeated so that this list does
		// not depend on chromedp's defaults.)
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		// The browser of a Japanese shop owner: pages negotiate Japanese, as
		// they do for the people the portal is made for.
		chromedp.Flag("accept-lang", "ja-JP,ja"),
		chromedp.Flag("lang", "ja-JP"),
	)
	// Chromium refuses to start as root with its sandbox on. chromedp
	// v0.23.0 already adds --no-sandbox for uid 0; saying it here keeps root
	// runs (containers, CI) working should that default change.
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}

	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, browserStop := chromedp.NewContext(allocCtx)
	shared.allocCancel = allocCancel
	shared.browserCtx = browserCtx
	shared.browserStop = browserStop

	// The browser lives as long as the context of its first Run, so that
	// Run gets browserCtx itself; a timer, not a context deadline, bounds
	// the start.
	timer := time.AfterFunc(startTimeout, browserStop)
	err = chromedp.Do(browserCtx)
	if !timer.Stop() {
		// The timer cancelled the browser, even if Do happened to return
		// just before that.
		err = fmt.Errorf("no answer within %v: %w", startTimeout, cmp.Or(err, context.DeadlineExceeded))
	}
	if err != nil {
		shared.err = fmt.Errorf("start %s: %w", path, err)
		shutdown()
		return
	}
	shared.startedIn = time.Since(begin)
}

// findChromium returns the browser binary: $CHROMIUM or $CHROME_BIN when set,
// else /usr/bin/chromium, else the first of the usual names on $PATH.
// candidates are the browsers tried, in order, when no variable names one.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}

func findChromium() (string, error) {
	for _, env := range []string{"CHROMIUM", "CHROME_BIN"} {
		if p := os.Getenv(env); p != "" {
			// An explicit choice that does not work is an error, not a
			// reason to silently fall back to another browser.
			path, err := exec.LookPath(p)
			if err != nil {
				return "", fmt.Errorf("$%s=%q: %w", env, p, err)
			}
			return path, nil
		}
	}
	for _, name := range candidates {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errNotFound
}
