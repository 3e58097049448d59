package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// hostileNext are next pages that a browser, reading the Location as
// browsers do, would follow to another site, or that are not a clean path.
var hostileNext = []string{
	"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example", "/\x7f/evil.example",
	"/\v/evil.example", "/\f/evil.example", "\t//evil.example", " //evil.example", "/ /evil.example",
	"//evil.example", "/\\evil.example", "/\\/evil.example", "https://evil.example/", "javascript:alert(1)",
	"/\u2028/evil.example", "/\u202e/evil.example", "/\u0085/evil.example",
}

// Finding 3 of the audit: POST /login and POST /lang redirected to
// "/<TAB>/evil.example", which browsers follow to //evil.example. Every
// hostile next page leads home instead (NUL is refused before: 400); a
// clean path is kept.
func TestNextPageNeverLeavesTheSite(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	home := func(res *http.Response) bool {
		return res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/" ||
			res.StatusCode == http.StatusBadRequest && res.Header.Get("Location") == ""
	}
	for _, next := range hostileNext {
		res, _ := e.client(t).postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}, "next": {next}})
		if !home(res) {
			t.Errorf("login with next %q: %d → %q, want /", next, res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = e.client(t).postForm("/lang", url.Values{"lang": {"en"}, "next": {next}})
		if !home(res) {
			t.Errorf("language switch with next %q: %d → %q, want /", next, res.StatusCode, res.Header.Get("Location"))
		}
		// The login page does not carry it into its form.
		res, body := e.client(t).get("/login?next=" + url.QueryEscape(next))
		if res.StatusCode == http.StatusOK && !strings.Contains(body, `name="next" value=""`) {
			t.Errorf("login page with next %q keeps it: %q", next, hiddenNext.FindAllString(body, -1))
		}
	}
	for _, next := range []string{"/cameras", "/support/audit?tenant=1", "/%09/evil.example"} {
		res, _ := e.client(t).postForm("/lang", url.Values{"lang": {"en"}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != next {
			t.Errorf("language switch with next %q → %q", next, loc)
		}
	}
}

var hiddenNext = regexp.MustCompile(`name="next" value="([^"]*)"`)

// The language switch's hidden next copied the request's path, so that
// GET /%09/evil.example armed it: the page carries the path as sent,
// escaped, and the switch goes back to it on this site.
func TestLanguageSwitchOfAHandMadePathStaysOnTheSite(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example", "/%2F%2Fevil.example", "/%E2%80%AE/x"} {
		c := e.client(t)
		res, body := c.get(p)
		m := hiddenNext.FindStringSubmatch(body)
		if res.StatusCode != http.StatusNotFound || m == nil {
			t.Fatalf("GET %s: %d, switch %v", p, res.StatusCode, m)
		}
		next := strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(m[1])
		res, _ = c.postForm("/lang", url.Values{"lang": {"en"}, "next": {next}})
		loc := res.Header.Get("Location")
		if !localLocation(e.srv.URL, loc) || strings.ContainsAny(loc, "\t\n\r\\") || strings.HasPrefix(loc, "//") {
			t.Errorf("GET %s, then the switch (next %q) → %q", p, next, loc)
		}
	}
}

// localLocation reports whether a browser, reading loc as browsers do
// (dropping tabs and line breaks, a backslash for a slash, leading and
// trailing spaces and controls), stays on base's host.
func localLocation(base, loc string) bool {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	b, err := url.Parse(base)
	if err != nil {
		return false
	}
	u, err := b.Parse(loc)
	return err == nil && u.Host == b.Host && u.Scheme == b.Scheme
}
