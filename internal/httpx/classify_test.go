package httpx_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// errOutage stands for a driver's error that the injected classifier knows.
var errOutage = errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")

// outageServer answers /outage and /api/outage with errOutage wrapped, as
// a store's error would be, through a responder whose classifier knows it.
func outageServer(t *testing.T) *httptest.Server {
	t.Helper()
	rs := &httpx.Responder{
		Text: func(r *http.Request, key string, args ...any) string { return i18n.T(i18n.JA, key, args...) },
		Page: func(w http.ResponseWriter, r *http.Request, a httpx.Answer) { writeAnswer(w, "page", a) },
		Classify: func(err error) *apperr.Error {
			if errors.Is(err, errOutage) {
				return apperr.Wrap(apperr.Unavailable, err, "err.db_unavailable").WithRetryAfter(10 * time.Second)
			}
			return nil
		},
	}
	outage := func(w http.ResponseWriter, r *http.Request) {
		rs.Respond(w, r, fmt.Errorf("load user 7: %w", errOutage))
	}
	other := func(w http.ResponseWriter, r *http.Request) { rs.Respond(w, r, errors.New("nil map")) }
	r := chi.NewRouter()
	r.Use(httpx.Start(discardLog), rs.Recover)
	r.With(httpx.JSON).Get("/api/outage", outage)
	r.Get("/outage", outage)
	r.Get("/other", other)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// Finding 7: an error the injected classifier knows (a database that
// cannot be reached) is 503 with Retry-After and its message in both
// formats, not a failure of poslink.
func TestClassifiedOutage(t *testing.T) {
	srv := outageServer(t)
	res, body := get(t, srv.URL+"/api/outage")
	if p := problem(t, res, body); res.StatusCode != 503 || p.Type != "/problems/unavailable" || p.RetryAfter != 10 ||
		p.Detail != i18n.T(i18n.JA, "err.db_unavailable") || res.Header.Get("Retry-After") != "10" {
		t.Errorf("JSON: %d %s", res.StatusCode, body)
	}
	res, body = get(t, srv.URL+"/outage")
	var a pageAnswer
	if err := json.Unmarshal(body, &a); err != nil || res.StatusCode != 503 || a.Message != i18n.T(i18n.JA, "err.db_unavailable") ||
		res.Header.Get("Retry-After") != "10" || strings.Contains(string(body), "10.0.0.5") {
		t.Errorf("page: %d %s", res.StatusCode, body)
	}
	// What the classifier does not know stays a failure of poslink.
	if res, _ := get(t, srv.URL+"/other"); res.StatusCode != 500 || res.Header.Get("Retry-After") != "" {
		t.Errorf("unknown error: %d", res.StatusCode)
	}
}
