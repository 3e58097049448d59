package portal

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/poslink/poslink/web/views"
)

// respondServer mounts, on the portal's own pipeline and error function,
// an HTML group and a JSON group (as the viewer API will) whose routes
// answer with the error named in the path; /form/… answers it on a form.
// mustNew builds a portal for a test of its internals.
func mustNew(t testing.TB, cfg Config, deps Deps) *Server {
	t.Helper()
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func respondServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := mustNew(t, Config{}, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	errs := map[string]error{
		"invalid": &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid", Fields: map[string]string{"email": "err.email_invalid"}},
		"throttled": apperr.Wrap(apperr.Throttled, errors.New("too many"), "err.login_throttled", 3).
			WithRetryAfter(2*time.Minute + 30*time.Second),
		"internal": errors.New("the database said something secret"),
	}
	routes := func(r chi.Router) {
		r.Get("/err/{name}", func(w http.ResponseWriter, r *http.Request) { s.respond(w, r, errs[chi.URLParam(r, "name")]) })
		r.Get("/form/{name}", func(w http.ResponseWriter, r *http.Request) {
			s.respondForm(w, r, errs[chi.URLParam(r, "name")], func(a httpx.Answer) {
				f := withAnswer(views.Form{Values: map[string]string{"email": "typed@example"}}, a)
				s.render(w, r, a.Status, views.Login(basePage(r, "login"), f, nil))
			})
		})
		r.Get("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	}
	r := chi.NewRouter()
	r.Use(httpx.Start(s.deps.Logger), language, s.answers.Recover, httpx.SecurityHeaders(""))
	r.Route("/api", func(r chi.Router) {
		r.Use(httpx.JSON)
		routes(r)
	})
	r.Group(routes)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func respondGet(t *testing.T, u, lang string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Language", lang)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The portal's error function on HTML routes: the error page in the
// reader's language, or the refused form with its messages; 429 with
// Retry-After; a failure with the request ID only.
func TestRespondHTML(t *testing.T) {
	srv := respondServer(t)
	res, page := respondGet(t, srv.URL+"/err/throttled", "en")
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "150" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("throttled: %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="en">`, "<h1>Please wait</h1>", "Try again in 3 minutes."} {
		if !strings.Contains(page, want) {
			t.Errorf("throttled page lacks %q:\n%s", want, page)
		}
	}
	res, page = respondGet(t, srv.URL+"/form/invalid", "ja")
	for _, want := range []string{"入力内容を確認してください。", "メールアドレスの形式が正しくありません", `value="typed@example"`, `aria-invalid="true"`} {
		if !strings.Contains(page, want) {
			t.Errorf("refused form lacks %q:\n%s", want, page)
		}
	}
	if res.StatusCode != 400 {
		t.Errorf("refused form: %d", res.StatusCode)
	}
	for _, p := range []string{"/err/internal", "/form/internal", "/panic"} {
		res, page = respondGet(t, srv.URL+p, "ja")
		id := res.Header.Get("X-Request-ID")
		if res.StatusCode != 500 || id == "" || !strings.Contains(page, "サポートセンターに次の番号をお伝えください: "+id) ||
			strings.Contains(page, "secret") || strings.Contains(page, "boom") || strings.Contains(page, `value="typed@example"`) {
			t.Errorf("GET %s: %d\n%s", p, res.StatusCode, page)
		}
	}
}

// The same function on a JSON route: problem+json in the reader's language.
func TestRespondJSON(t *testing.T) {
	srv := respondServer(t)
	for _, c := range []struct {
		path, typ string
		status    int
		detail    string
	}{
		{"/api/err/throttled", "/problems/throttled", 429, "Too many failed logins"},
		{"/api/form/invalid", "/problems/invalid", 400, "Please check your input."},
		{"/api/err/internal", "/problems/internal", 500, "give the support center this number"},
		{"/api/panic", "/problems/internal", 500, "give the support center this number"},
	} {
		res, body := respondGet(t, srv.URL+c.path, "en")
		var p httpx.Problem
		if err := json.Unmarshal([]byte(body), &p); err != nil || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("GET %s: %s %s (%v)", c.path, res.Header.Get("Content-Type"), body, err)
		}
		if res.StatusCode != c.status || p.Type != c.typ || !strings.Contains(p.Detail, c.detail) || p.RequestID != res.Header.Get("X-Request-ID") {
			t.Errorf("GET %s: %d %+v", c.path, res.StatusCode, p)
		}
		if strings.Contains(body, "secret") || strings.Contains(body, "boom") || strings.Contains(body, "<html") {
			t.Errorf("GET %s shows more than the problem: %s", c.path, body)
		}
	}
}

// A consent must come back within its time on the portal's clock, not the
// machine's.
func TestUbiregiConsentExpiresOnTheInjectedClock(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := mustNew(t, Config{}, Deps{Now: func() time.Time { return now }})
	ctx, err := s.sessions.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	state, _ := s.startUbiregiConsent(ctx)
	now = now.Add(ubiregiConsentTTL - time.Minute)
	if got, _, ok := s.popUbiregiConsent(ctx); !ok || got != state {
		t.Fatalf("a consent back in time: %q %v", got, ok)
	}
	if _, _, ok := s.popUbiregiConsent(ctx); ok {
		t.Fatal("a state was good for a second callback")
	}
	s.startUbiregiConsent(ctx)
	now = now.Add(ubiregiConsentTTL + time.Second)
	if _, _, ok := s.popUbiregiConsent(ctx); ok {
		t.Fatal("a consent older than its time was accepted")
	}
}
