package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// shots is the screenshot directory of the test binary.
var shots struct {
	once sync.Once
	dir  string
	err  error
}

// Screenshot saves a PNG of the whole page (not only the visible part) of
// the tab as <TestName>-<name>.png in $POSLINK_SCREENSHOT_DIR, or in a new
// temporary directory of the test binary. The first screenshot prints the
// directory on stdout. A failure to take it fails the test.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := saveScreenshot(t, ctx, name); err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
}

// saveScreenshot is Screenshot with an error, for New's cleanup, which must
// not call t.Fatal.
func saveScreenshot(t *testing.T, ctx context.Context, name string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	// Quality 100 means PNG; the capture goes beyond the viewport to the
	// whole scrollable page.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	dir, err := screenshotDir()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, sanitize(t.Name())+"-"+sanitize(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("write the screenshot: %w", err)
	}
	t.Logf("screenshot: %s", path)
	return nil
}

// screenshotDir returns the directory for screenshots, creating it on first
// use and printing it. It prints with fmt rather than t.Log so that the
// directory is shown without -v; note that go test in package-list mode
// (go test ./...) hides all output of a package that passes.
func screenshotDir() (string, error) {
	shots.once.Do(func() {
		dir := os.Getenv("POSLINK_SCREENSHOT_DIR")
		if dir != "" {
			shots.err = os.MkdirAll(dir, 0o755)
		} else {
			dir, shots.err = os.MkdirTemp("", "poslink-screenshots-")
		}
		if shots.err != nil {
			shots.err = fmt.Errorf("create the screenshot directory: %w", shots.err)
			return
		}
		shots.dir = dir
		fmt.Printf("screenshots: %s\n", dir)
	})
	return shots.dir, shots.err
}

// sanitize makes s usable as part of a file name on any system: subtest
// separators and anything outside [A-Za-z0-9._-] become "_". File names
// have no timestamp, so a rerun overwrites the previous screenshots and a
// fixed $POSLINK_SCREENSHOT_DIR always shows one consistent run.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	return strings.Trim(s, ".")
}
