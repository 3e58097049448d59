package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/config"
)

// What else an attacker controls besides fields: headers and cookies. A
// page, a form and a page that needs a session, each with hostile values
// of every header the portal reads, answer without a server error and
// never echo markup unescaped.
func TestHostileHeadersAndCookies(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.TrustProxy = true })
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)
	const markup = `<svg onload=alert(1)>`
	hostile := map[string][]string{
		"Accept-Language": {strings.Repeat("en;q=0.5,", 5000), "ja;q=NaN,en;q=Inf", "\xff\xfe", "*;q=1e400", markup},
		"Cookie": {"poslink_lang=" + url.QueryEscape(markup), "poslink_lang=" + strings.Repeat("x", 4000),
			"poslink_session=" + strings.Repeat("a", 4000), "poslink_session=%00", `poslink_session=""`},
		"X-Request-Id":    {strings.Repeat("a", 10000), markup, "../../etc/passwd"},
		"X-Forwarded-For": {"not-an-ip", strings.Repeat("1.1.1.1,", 2000), "1.2.3.4, \xff", markup},
		"Content-Type":    {"multipart/form-data; boundary=x", "application/json", "text/plain", ";;;", "application/x-www-form-urlencoded; charset=\xff"},
		"Origin":          {"null", "http://[::1", "%00", markup},
		"Sec-Fetch-Site":  {"none", "garbage"},
	}
	for header, values := range hostile {
		for _, v := range values {
			for _, r := range []struct{ method, path string }{{"GET", "/login"}, {"POST", "/login"}, {"GET", "/cameras"}, {"POST", "/lang"}} {
				req, err := http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader("email=a%40b.example&password=x&lang=en"))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", e.srv.URL)
				if header != "Cookie" {
					for _, ck := range owner.http.Jar.Cookies(mustURL(t, e.srv.URL)) {
						req.AddCookie(ck)
					}
				}
				req.Header.Set(header, v)
				res, body := owner.do(req)
				if res.StatusCode >= 500 || strings.Contains(body, markup) || strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), "<") {
					t.Errorf("%s %s with %s %.40q: %d\n%.1000s", r.method, r.path, header, v, res.StatusCode, body)
				}
			}
		}
	}
}
