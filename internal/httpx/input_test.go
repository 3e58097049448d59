package httpx_test

import (
	"testing"

	"github.com/poslink/poslink/internal/httpx"
)

// Finding 3 of the audit: "/<TAB>/evil.example" passed, and browsers,
// dropping the tab, went to //evil.example. Only a clean path on this
// site passes.
func TestLocalPathRefusesWhatBrowsersReadAsAnotherSite(t *testing.T) {
	for _, p := range []string{
		"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x00/evil.example", "/\x7f/evil.example",
		"/\v/evil.example", "/\f/evil.example", "\t//evil.example", "/ /evil.example", " //evil.example",
		"/\u0085/evil.example", "/\u00a0/evil.example", "/\u3000/evil.example", "/\u202e/evil.example",
		"//evil.example", "/\\evil.example", "/x\\..\\\\evil.example", "https://evil.example/", "http:/evil.example",
		"javascript:alert(1)", "/a\xff", "", "cameras", "./cameras", "?next=//evil.example",
	} {
		if got := httpx.LocalPath(p, "/"); got != "/" {
			t.Errorf("LocalPath(%q) = %q, want the fallback", p, got)
		}
	}
	for _, p := range []string{"/cameras", "/ubiregi?x=1#conn-2", "/%09/evil.example", "/%2F%2Fevil.example",
		"/support/tenants?q=%E5%BA%97", "/login?next=%2F%2Fevil.example"} {
		if got := httpx.LocalPath(p, "/"); got != p {
			t.Errorf("LocalPath(%q) = %q, want it kept", p, got)
		}
	}
}
