package i18n

import (
	"maps"
	"slices"
	"testing"
)

func TestCataloguesMatch(t *testing.T) {
	for k := range jaAll {
		if _, ok := enAll[k]; !ok {
			t.Errorf("key %q has Japanese but no English", k)
		}
	}
	for k := range enAll {
		if _, ok := jaAll[k]; !ok {
			t.Errorf("key %q has English but no Japanese", k)
		}
	}
	if len(jaAll) == 0 {
		t.Fatal("empty catalogue")
	}
	// A key defined in two feature files would silently shadow one.
	for _, parts := range [][]map[string]string{jaParts, enParts} {
		seen := map[string]int{}
		for i, p := range parts {
			for _, k := range slices.Sorted(maps.Keys(p)) {
				if j, dup := seen[k]; dup {
					t.Errorf("key %q in catalogue parts %d and %d", k, j, i)
				}
				seen[k] = i
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		cookie, header string
		want           Lang
	}{
		{"", "", JA},
		{"", "en-US,en;q=0.9", EN},
		{"", "ja,en;q=0.8", JA},
		{"", "fr-FR, en;q=0.5", EN},
		{"", "fr-FR", JA},
		{"", "en;q=0.2, ja;q=0.9", JA},
		{"", "en;q=0", JA},
		{"", "en;q=bogus", JA},
		{"ja", "en-US", JA},
		{"en", "ja", EN},
		{"xx", "en", EN},
	}
	for _, c := range cases {
		if got := Negotiate(c.cookie, c.header); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.cookie, c.header, got, c.want)
		}
	}
}

func TestTFormatsAndFallsBack(t *testing.T) {
	if got := T(EN, "err.login_throttled", 3); got == "err.login_throttled" || got == "" {
		t.Fatalf("T(EN, err.login_throttled) = %q", got)
	}
	if got := T(JA, "no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key = %q, want the key", got)
	}
}
