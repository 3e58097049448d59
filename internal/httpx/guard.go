package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
)

// Recover turns a panic in a handler into the 500 answer of the request's
// group, logged with its stack. It sits just inside Start.
func (rs *Responder) Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			rs.Respond(w, r, fmt.Errorf("panic in handler: %v\n%s", v, debug.Stack()))
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere;
// forms post to this origin and to formTargets.
func contentSecurityPolicy(formTargets ...string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action " +
		strings.Join(append([]string{"'self'"}, formTargets...), " ")
}

// FormTargets lets the pages of a route group post forms whose answer
// redirects to the given origins (browsers apply form-action to where a
// form's redirects lead): the Ubiregi consent starts with a POST answered by
// a redirect to Ubiregi.
func FormTargets(origins ...string) func(http.Handler) http.Handler {
	policy := contentSecurityPolicy(origins...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", policy)
			next.ServeHTTP(w, r)
		})
	}
}

// hsts keeps browsers on https for a year once they have seen the portal
// there.
const hsts = "max-age=31536000"

// SecurityHeaders sets the headers every answer carries, pages and JSON.
// Strict-Transport-Security goes with every answer when the portal's
// origin is https: poslink sits behind a proxy that terminates TLS, so the
// request itself never says so.
func SecurityHeaders(site Origin) func(http.Handler) http.Handler {
	https := site.HTTPS()
	policy := contentSecurityPolicy()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", policy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if https || r.TLS != nil {
				h.Set("Strict-Transport-Security", hsts)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// LimitBody bounds request bodies to n bytes; reading more fails, which
// ParseForm answers as a bad request.
func LimitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// errCrossOrigin refuses a state-changing request from another origin.
var errCrossOrigin = apperr.New(apperr.Forbidden, "err.cross_origin")

// CrossOrigin refuses state-changing requests from another origin than
// site's (the request's own when site is ""). An Origin header, when
// present, must name site exactly, scheme included: net/http's check
// compares only its host with Host, and so took https://host for
// http://host and the reverse. Without Origin, a browser's Sec-Fetch-Site
// decides (net/http's check). No GET changes state, so this covers every
// form.
func (rs *Responder) CrossOrigin(site Origin) func(http.Handler) http.Handler {
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context()).Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		rs.Respond(w, r, errCrossOrigin)
	})
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(deny)
	return func(next http.Handler) http.Handler {
		checked := p.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" || safeMethod(r.Method) {
				checked.ServeHTTP(w, r)
				return
			}
			want := site
			if want == "" {
				want = requestOrigin(r)
			}
			// A portal on a loopback address (the demo) is also reached by
			// its other loopback names: http://localhost:8080 for
			// http://127.0.0.1:8080, the same port and scheme.
			alias := want.loopback() && requestOrigin(r).loopback() && sameOrigin(origin, requestOrigin(r))
			if !sameOrigin(origin, want) && !alias {
				deny.ServeHTTP(w, r)
				return
			}
			// A browser never sends our own origin from another site.
			next.ServeHTTP(w, r)
		})
	}
}

// safeMethod is a method that changes nothing (RFC 9110, 9.2.1).
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
