package portal_test

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/portal"
)

// publicHTTPS is the base URL of a portal behind a TLS-terminating proxy.
func publicHTTPS(c *config.Config) { c.BaseURL = "https://portal.example" }

// Finding 4 of the audit: behind the proxy the request never has TLS, so
// Strict-Transport-Security was never sent. With an https base URL every
// answer carries it and the cookies are Secure; with an http one, neither.
func TestHSTSAndSecureCookiesFollowTheBaseURL(t *testing.T) {
	for _, https := range []bool{true, false} {
		var e *env
		if https {
			e = newEnv(t, publicHTTPS)
		} else {
			e = newEnv(t)
		}
		tn := e.tenant(t, "店")
		e.owner(t, tn.ID, ownerEmail, ownerPW)
		c := e.client(t)
		if https {
			c.origin, c.host = "https://portal.example", "portal.example"
		}
		var answers []*http.Response
		for _, p := range []string{"/login", "/healthz", "/readyz", "/static/app.css", "/no/such/page", "/cameras", "/login?next=%00"} {
			res, _ := c.get(p)
			answers = append(answers, res)
		}
		login, _ := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
		lang, _ := c.postForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		evil := e.client(t)
		evil.origin, evil.fetchSite = "https://evil.example", "cross-site"
		refused, _ := evil.postForm("/lang", url.Values{"lang": {"en"}})
		answers = append(answers, login, lang, refused)
		for _, res := range answers {
			got := res.Header.Get("Strict-Transport-Security")
			if https && got != "max-age=31536000" || !https && got != "" {
				t.Errorf("https %v, %s %s (%d): Strict-Transport-Security %q", https, res.Request.Method, res.Request.URL.Path, res.StatusCode, got)
			}
		}
		if login.StatusCode != http.StatusSeeOther || lang.StatusCode != http.StatusSeeOther || refused.StatusCode != http.StatusForbidden {
			t.Fatalf("https %v: login %d, switch %d, foreign switch %d", https, login.StatusCode, lang.StatusCode, refused.StatusCode)
		}
		for _, sc := range append(login.Header.Values("Set-Cookie"), lang.Header.Values("Set-Cookie")...) {
			if strings.Contains(sc, "; Secure") != https {
				t.Errorf("https %v: cookie %q", https, sc)
			}
		}
	}
}

// Finding 8: without Sec-Fetch-Site, an Origin was compared by its host
// only. On the http portal https://its-host was accepted on every route
// that changes state; each now answers 403 with the message and changes
// nothing, logged in as the role the route is for.
func TestCrossSchemeOriginRefusedOnEveryStateChangingRoute(t *testing.T) {
	fx := newBadInputFixture(t)
	posts := map[string]bool{}
	err := portal.WalkRoutes(fx.e.portal, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodPost && !strings.HasPrefix(route, "/static/") {
			posts[route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	foreign := "https://" + strings.TrimPrefix(fx.e.srv.URL, "http://")
	for i, rt := range fx.badRoutes() {
		if rt.method != http.MethodPost {
			continue
		}
		delete(posts, rt.pattern)
		c := fx.client(t, rt.who)
		saved := c.origin
		c.origin, c.fetchSite = foreign, ""
		var form url.Values
		if rt.form != nil {
			form = rt.form(10000 + i)
		}
		before := pureSnapshot(t, fx.e)
		res, body := c.postForm(fx.path(rt), form)
		c.origin, c.fetchSite = saved, "same-origin"
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, i18n.T(i18n.JA, "err.cross_origin")) {
			t.Errorf("POST %s from %s: %d", rt.pattern, foreign, res.StatusCode)
		}
		if after := pureSnapshot(t, fx.e); !maps.Equal(before, after) {
			t.Errorf("POST %s from %s changed the tables", rt.pattern, foreign)
		}
	}
	for p := range posts {
		t.Errorf("POST %s is not in the table of routes", p)
	}
}

// In serve behind a proxy with an https base URL, Origin http://portal.example
// was accepted (its host matched Host). Only the base URL's origin is.
func TestOnlyTheBaseURLsOriginIsAccepted(t *testing.T) {
	e := newEnv(t, publicHTTPS)
	e.staff(t, staffEmail, staffPW)
	c := e.client(t)
	c.origin, c.fetchSite, c.host = "https://portal.example", "", "portal.example"
	if res, body := c.postForm("/login", url.Values{"email": {staffEmail}, "password": {staffPW}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login from the base URL's origin: %d\n%s", res.StatusCode, body)
	}
	for _, origin := range []string{"http://portal.example", "https://portal.example:8443", "https://evil.example", "null",
		"http://" + strings.TrimPrefix(e.srv.URL, "http://")} {
		for _, site := range []string{"", "same-origin"} {
			c.origin, c.fetchSite = origin, site
			before := e.rowCounts(t)
			res, _ := c.postForm("/support/tenants", url.Values{"name": {"来ないはずの店"}})
			if res.StatusCode != http.StatusForbidden || e.rowCounts(t) != before {
				t.Errorf("Origin %s, Sec-Fetch-Site %q: %d, rows %s → %s", origin, site, res.StatusCode, before, e.rowCounts(t))
			}
		}
	}
	c.origin, c.fetchSite = "https://portal.example", ""
	if res, _ := c.postForm("/support/tenants", url.Values{"name": {"来る店"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("from the base URL's origin: %d", res.StatusCode)
	}
}
