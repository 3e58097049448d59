package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

// guardedServer is the pipeline as the portal builds it, for a portal at
// site: an HTML group and a JSON group, each with the cross-origin check
// and the body limit. /echo answers the query and form it read as JSON.
func guardedServer(t *testing.T, site httpx.Origin) *httptest.Server {
	t.Helper()
	rs := &httpx.Responder{
		Text: func(r *http.Request, key string, args ...any) string { return i18n.T(i18n.JA, key, args...) },
		Page: func(w http.ResponseWriter, r *http.Request, a httpx.Answer) { writeAnswer(w, "page", a) },
	}
	routes := func(r chi.Router) {
		echo := func(w http.ResponseWriter, r *http.Request) {
			if err := httpx.ParseForm(r); err != nil {
				rs.Respond(w, r, err)
				return
			}
			_ = json.NewEncoder(w).Encode(r.Form)
		}
		r.Get("/echo", echo)
		r.Post("/echo", echo)
	}
	r := chi.NewRouter()
	r.Use(httpx.Start(discardLog), rs.Recover, httpx.SecurityHeaders(site))
	r.Route("/api", func(r chi.Router) {
		r.Use(httpx.JSON, rs.CrossOrigin(site), httpx.LimitBody(64<<10))
		routes(r)
	})
	r.Group(func(r chi.Router) {
		r.Use(rs.CrossOrigin(site), httpx.LimitBody(64<<10))
		r.NotFound(rs.NotFound)
		routes(r)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// Finding 4: behind the TLS-terminating proxy the request never has TLS,
// so HSTS was never sent. With an https site every answer carries it —
// pages, errors, refusals — and with an http site none does.
func TestHSTSFollowsTheSite(t *testing.T) {
	secure := guardedServer(t, "https://portal.example")
	plain := guardedServer(t, "http://portal.example")
	for _, p := range []string{"/echo", "/api/echo", "/no/such/page", "/api/no/such/thing"} {
		res, _ := get(t, secure.URL+p)
		if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("https site, GET %s: %d, Strict-Transport-Security %q", p, res.StatusCode, got)
		}
		res, _ = get(t, plain.URL+p)
		if got := res.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("http site, GET %s: Strict-Transport-Security %q", p, got)
		}
	}
}

// Finding 8: without Sec-Fetch-Site, net/http compared only the Origin's
// host with Host, so https://host passed on an http portal and the
// reverse. An Origin must name the site, scheme, host and port.
func TestCrossOriginComparesTheWholeOrigin(t *testing.T) {
	// A portal without a base URL: the origin the request reached.
	srv := guardedServer(t, "")
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, c := range []struct {
		origin, fetchSite string
		allowed           bool
	}{
		{"http://" + host, "", true},
		{"HTTP://" + strings.ToUpper(host), "", true},
		{"", "", true},
		{"", "same-origin", true},
		{"https://" + host, "", false},
		{"https://" + host, "same-origin", false},
		{"ws://" + host, "", false},
		{"http://" + host + "/path", "", false},
		{"null", "", false},
		{"http://evil.example", "", false},
		{"", "cross-site", false},
		{"", "same-site", false},
	} {
		for _, p := range []string{"/echo", "/api/echo"} {
			var hdr []string
			if c.origin != "" {
				hdr = append(hdr, "Origin", c.origin)
			}
			if c.fetchSite != "" {
				hdr = append(hdr, "Sec-Fetch-Site", c.fetchSite)
			}
			res, body := post(t, srv.URL+p, url.Values{"x": {"1"}}, hdr...)
			if got := res.StatusCode != http.StatusForbidden; got != c.allowed {
				t.Errorf("POST %s, Origin %q, Sec-Fetch-Site %q: %d %s", p, c.origin, c.fetchSite, res.StatusCode, body)
			}
		}
	}

	// A portal at an https base URL behind a proxy: Host is the proxy's
	// upstream, the browser's Origin the public name.
	srv = guardedServer(t, "https://portal.example")
	for _, c := range []struct {
		origin  string
		allowed bool
	}{
		{"https://portal.example", true},
		{"https://PORTAL.example:443", true},
		{"http://portal.example", false},
		{"https://portal.example:8443", false},
		{"https://evil.portal.example", false},
		{"http://" + strings.TrimPrefix(srv.URL, "http://"), false},
	} {
		res, body := post(t, srv.URL+"/echo", url.Values{"x": {"1"}}, "Origin", c.origin)
		if got := res.StatusCode != http.StatusForbidden; got != c.allowed {
			t.Errorf("https site, Origin %q: %d %s", c.origin, res.StatusCode, body)
		}
	}
	// A GET changes nothing and is never refused for its Origin.
	if res, _ := get(t, srv.URL+"/echo", "Origin", "http://evil.example"); res.StatusCode != http.StatusOK {
		t.Errorf("GET with a foreign Origin: %d", res.StatusCode)
	}
}

// The demo's base URL is http://127.0.0.1:8080; a person who opens
// http://localhost:8080 instead posts from that origin, which names the
// same machine and port. Another port, or a site that is not loopback,
// stays refused.
func TestCrossOriginLoopbackAliases(t *testing.T) {
	// The test server listens elsewhere; what counts is the Host a browser
	// sends, as with the demo on 127.0.0.1:8080.
	const port = "8080"
	srv := guardedServer(t, "http://127.0.0.1:"+port)
	for _, c := range []struct {
		host, origin string
		allowed      bool
	}{
		{"127.0.0.1:" + port, "http://127.0.0.1:" + port, true},
		{"localhost:" + port, "http://localhost:" + port, true},
		{"localhost:" + port, "http://localhost:1", false},
		{"localhost:" + port, "https://localhost:" + port, false},
		{"localhost:" + port, "http://127.0.0.2:" + port, false},
		{"portal.example:" + port, "http://portal.example:" + port, false},
	} {
		res, body := post(t, srv.URL+"/echo", url.Values{"x": {"1"}}, "Origin", c.origin, "Host", c.host)
		if got := res.StatusCode != http.StatusForbidden; got != c.allowed {
			t.Errorf("Host %s, Origin %s: %d %s", c.host, c.origin, res.StatusCode, body)
		}
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]httpx.Origin{
		"https://Portal.Example": "https://portal.example", "https://portal.example:443/": "https://portal.example",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080", "http://[::1]:80": "http://[::1]", "https://[::1]:8443": "https://[::1]:8443",
	} {
		if got, err := httpx.OriginOf(in); err != nil || got != want {
			t.Errorf("OriginOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "portal.example", "ftp://portal.example", "https://", "https:portal.example"} {
		if o, err := httpx.OriginOf(bad); err == nil {
			t.Errorf("OriginOf(%q) = %q, want an error", bad, o)
		}
	}
}
