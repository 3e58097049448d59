package portal

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

type ctxKey int

const (
	ctxLang ctxKey = iota
	ctxUser
	// ctxAddress is the client address (clientIP) the audit log records.
	ctxAddress
)

// maxBodyBytes bounds a request body; the portal's forms are small.
const maxBodyBytes = 64 << 10

const langCookie = "poslink_lang"

func cookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// language picks the request's language: the switch's cookie, else
// Accept-Language, else Japanese.
func language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Negotiate(cookieValue(r, langCookie), r.Header.Get("Accept-Language"))
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxLang, lang)))
	})
}

func langOf(ctx context.Context) i18n.Lang {
	if l, ok := ctx.Value(ctxLang).(i18n.Lang); ok {
		return l
	}
	return i18n.Default
}

// text translates key into the request's language.
func text(r *http.Request, key string, args ...any) string {
	return i18n.T(langOf(r.Context()), key, args...)
}

// setLanguage remembers the language chosen with the switch for a year.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	lang, ok := i18n.Parse(r.PostForm.Get("lang"))
	if !ok {
		s.respond(w, r, httpx.ErrBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.site.HTTPS()})
	http.Redirect(w, r, httpx.LocalPath(r.PostForm.Get("next"), "/"), http.StatusSeeOther)
}

// clientIP is the address a request came from, for login throttling.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		// The rightmost entry is the one our own load balancer added.
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// staticHandler serves the embedded assets: the embedded tree holds them
// under static/, which is also their URL prefix. They change only with a new
// binary, so a day of caching is safe.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
