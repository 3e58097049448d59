// Package httpx is the HTTP pipeline shared by every route group of the
// portal, the HTML pages and the JSON API alike: a request ID and a logger
// in the context, one log line per request, panic recovery, security
// headers, body limits, cross-origin refusal, form input, and the one
// function that turns any error into the answer — an HTML page or form
// message, or application/problem+json (RFC 9457). It knows nothing of the
// portal or of templ: the portal plugs its page renderer and translator in.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

type ctxKey struct{}

// state is what the pipeline knows of a request. Start puts it in the
// context; inner middleware mark it (JSON, Quiet), so that Start's log line
// and Recover, which run outside the route group, see what the group
// decided.
type state struct {
	id    string
	log   *slog.Logger
	json  bool
	quiet bool
}

func stateOf(ctx context.Context) *state {
	st, _ := ctx.Value(ctxKey{}).(*state)
	return st
}

// RequestID is the request's ID ("" outside Start).
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// Logger is the request's logger, carrying its request ID; slog's default
// outside Start.
func Logger(ctx context.Context) *slog.Logger {
	if st := stateOf(ctx); st != nil {
		return st.log
	}
	return slog.Default()
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Start gives every request an ID (kept from a load balancer's X-Request-ID
// when sane), a logger carrying it, and one log line when it is answered.
// It is the outermost middleware.
func Start(base *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !requestIDPattern.MatchString(id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			w.Header().Set("X-Request-ID", id)
			st := &state{id: id, log: base.With("request_id", id)}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := time.Now()
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case st.quiet:
				level = slog.LevelDebug
			}
			st.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)))
		})
	}
}

// JSON marks a route group as a JSON API: its errors are answered with
// application/problem+json, panics included. Groups without it are HTML.
func JSON(next http.Handler) http.Handler {
	return mark(next, func(st *state) { st.json = true })
}

// Quiet logs the request line at debug level unless it failed: for health
// checks and static files, which would drown the log.
func Quiet(next http.Handler) http.Handler {
	return mark(next, func(st *state) { st.quiet = true })
}

func mark(next http.Handler, set func(*state)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r.Context())
		if st == nil {
			st = &state{log: slog.Default()}
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		}
		set(st)
		next.ServeHTTP(w, r)
	})
}

func isJSON(r *http.Request) bool {
	st := stateOf(r.Context())
	return st != nil && st.json
}
