package pgembed

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	dir, err := FindBinaries()
	if err != nil {
		t.Fatalf("FindBinaries: %v", err)
	}
	if !hasServerBinaries(dir) {
		t.Errorf("%s lacks initdb or postgres", dir)
	}

	t.Setenv("PG_BIN", t.TempDir())
	if _, err := FindBinaries(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("PG_BIN without binaries: got %v, want ErrNotInstalled", err)
	}
	t.Setenv("PG_BIN", dir)
	if got, err := FindBinaries(); err != nil || got != dir {
		t.Errorf("PG_BIN=%s: got %q, %v", dir, got, err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		sign int
	}{
		{"9.6", "15", -1},
		{"15", "9.6", 1},
		{"16", "16", 0},
		{"10", "9.6", 1},
		{"main", "9", -1},
	} {
		got := compareVersions(tc.a, tc.b)
		if (got > 0) != (tc.sign > 0) || (got < 0) != (tc.sign < 0) {
			t.Errorf("compareVersions(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.sign)
		}
	}
	if v := versionOf(filepath.FromSlash("/usr/lib/postgresql/15/bin")); v != "15" {
		t.Errorf("versionOf = %q", v)
	}
}
