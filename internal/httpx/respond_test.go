package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

// syncBuffer is a log sink the server's goroutines write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pageAnswer is what the HTML page hook was given, written as JSON so that
// the tests can read it back.
type pageAnswer struct {
	Via     string            `json:"via"` // "page" or "form"
	Status  int               `json:"status"`
	Type    string            `json:"type"`
	Title   string            `json:"title"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

func writeAnswer(w http.ResponseWriter, via string, a httpx.Answer) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(a.Status)
	_ = json.NewEncoder(w).Encode(pageAnswer{Via: via, Status: a.Status, Type: a.Type, Title: a.Title, Message: a.Message, Fields: a.Fields})
}

// errs are the errors the test routes answer with, by name.
var errs = map[string]error{
	"invalid": &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid",
		Fields: map[string]string{"name": "err.required", "email": "err.email_invalid"}},
	"not-found":    apperr.New(apperr.NotFound, "err.not_found"),
	"conflict":     apperr.New(apperr.Conflict, "err.email_taken"),
	"unauthorized": apperr.New(apperr.Unauthorized, "err.login_invalid"),
	"forbidden":    apperr.New(apperr.Forbidden, "err.forbidden"),
	"throttled": apperr.Wrap(apperr.Throttled, errors.New("5 failures"), "err.login_throttled", 15).
		WithRetryAfter(14*time.Minute + 300*time.Millisecond),
	"unavailable": apperr.Wrap(apperr.Unavailable, errors.New("dial tcp: connection refused"), "err.ubiregi_unavailable").
		WithRetryAfter(30 * time.Second),
	"internal": apperr.Wrap(apperr.Internal, errors.New("pq: password authentication failed for secret-cause"), "err.internal"),
	"plain":    fmt.Errorf("load user 7: %w", errors.New("secret-cause in a plain error")),
}

// server serves two route groups on the one pipeline, as the portal does:
// /api/… is JSON, the rest HTML. /…/err/{name} answers with errs[name],
// /…/form/{name} answers it on a form, /…/panic panics.
func server(t *testing.T) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rs := &httpx.Responder{
		Text: func(r *http.Request, key string, args ...any) string {
			return i18n.T(i18n.Negotiate("", r.Header.Get("Accept-Language")), key, args...)
		},
		Page: func(w http.ResponseWriter, r *http.Request, a httpx.Answer) { writeAnswer(w, "page", a) },
	}
	routes := func(r chi.Router) {
		r.NotFound(rs.NotFound)
		r.MethodNotAllowed(rs.MethodNotAllowed)
		r.Get("/err/{name}", func(w http.ResponseWriter, r *http.Request) { rs.Respond(w, r, errs[chi.URLParam(r, "name")]) })
		r.Post("/form/{name}", func(w http.ResponseWriter, r *http.Request) {
			if err := httpx.ParseForm(r); err != nil {
				rs.Respond(w, r, err)
				return
			}
			rs.RespondForm(w, r, errs[chi.URLParam(r, "name")], func(a httpx.Answer) { writeAnswer(w, "form", a) })
		})
		r.Get("/panic", func(http.ResponseWriter, *http.Request) { panic("nil map in handler") })
		r.Get("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	}
	r := chi.NewRouter()
	r.Use(httpx.Start(log), rs.Recover, httpx.SecurityHeaders(""))
	r.With(httpx.Quiet).Get("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	r.Route("/api", func(r chi.Router) {
		r.Use(httpx.JSON, rs.CrossOrigin(""), httpx.LimitBody(1024))
		routes(r)
	})
	r.Group(func(r chi.Router) {
		r.Use(rs.CrossOrigin(""), httpx.LimitBody(1024))
		routes(r)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, logs
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// withHeaders sets the name/value pairs of hdr on req; "Host" names the
// host the request says it is for.
func withHeaders(req *http.Request, hdr []string) *http.Request {
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

func get(t *testing.T, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, withHeaders(req, hdr))
}

func post(t *testing.T, u string, form url.Values, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, withHeaders(req, hdr))
}

// problem reads a problem document, failing unless the answer is one.
func problem(t *testing.T, res *http.Response, body []byte) httpx.Problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, body)
	}
	var p httpx.Problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if p.Status != res.StatusCode {
		t.Errorf("status member %d, header %d", p.Status, res.StatusCode)
	}
	if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-ID") {
		t.Errorf("request_id %q, X-Request-ID %q", p.RequestID, res.Header.Get("X-Request-ID"))
	}
	return p
}

// Every kind of the error model as application/problem+json (RFC 9457):
// status, a stable type, the title of the status, the message as detail,
// the path as instance, the wait, the fields — and for a failure of poslink
// only the request ID, never the cause.
func TestProblemForEachKind(t *testing.T) {
	srv, logs := server(t)
	for _, c := range []struct {
		name, typ, title, detail string
		status                   int
		retry                    string
		errors                   []httpx.FieldProblem
	}{
		{name: "invalid", status: 400, typ: "/problems/invalid", title: "入力に誤りがあります", detail: "入力内容を確認してください。",
			errors: []httpx.FieldProblem{{Field: "email", Detail: i18n.T(i18n.JA, "err.email_invalid")}, {Field: "name", Detail: "入力してください。"}}},
		{name: "not-found", status: 404, typ: "/problems/not-found", title: "ページが見つかりません", detail: i18n.T(i18n.JA, "err.not_found")},
		{name: "conflict", status: 409, typ: "/problems/conflict", title: "すでに登録されています", detail: "このメールアドレスはすでに使われています。"},
		{name: "unauthorized", status: 401, typ: "/problems/unauthorized", title: "ログインしてください", detail: i18n.T(i18n.JA, "err.login_invalid")},
		{name: "forbidden", status: 403, typ: "/problems/forbidden", title: "権限がありません", detail: i18n.T(i18n.JA, "err.forbidden")},
		{name: "throttled", status: 429, typ: "/problems/throttled", title: "しばらくお待ちください", detail: i18n.T(i18n.JA, "err.login_throttled", 15),
			retry: "841"},
		{name: "unavailable", status: 503, typ: "/problems/unavailable", title: "ただいま利用できません", detail: i18n.T(i18n.JA, "err.ubiregi_unavailable"),
			retry: "30"},
		{name: "internal", status: 500, typ: "/problems/internal", title: "エラーが発生しました"},
		{name: "plain", status: 500, typ: "/problems/internal", title: "エラーが発生しました"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := get(t, srv.URL+"/api/err/"+c.name)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d; %s", res.StatusCode, c.status, body)
			}
			p := problem(t, res, body)
			detail := c.detail
			if c.status == 500 {
				detail = i18n.T(i18n.JA, "err.internal", p.RequestID)
				if strings.Contains(string(body), "secret-cause") {
					t.Errorf("the answer shows the cause: %s", body)
				}
				if !strings.Contains(logs.String(), "secret-cause") || !strings.Contains(logs.String(), "request_id="+p.RequestID) {
					t.Errorf("the cause is not logged with the request ID:\n%s", logs.String())
				}
			}
			if p.Type != c.typ || p.Title != c.title || p.Detail != detail || p.Instance != "/api/err/"+c.name {
				t.Errorf("problem %+v, want type %s, title %s, detail %s", p, c.typ, c.title, detail)
			}
			if got := res.Header.Get("Retry-After"); got != c.retry {
				t.Errorf("Retry-After %q, want %q", got, c.retry)
			}
			if want := c.retry; want != "" && fmt.Sprint(p.RetryAfter) != want {
				t.Errorf("retry_after %d, want %s", p.RetryAfter, want)
			}
			if fmt.Sprint(p.Errors) != fmt.Sprint(c.errors) {
				t.Errorf("errors %v, want %v", p.Errors, c.errors)
			}
			if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", res.Header)
			}
		})
	}
}

// The same errors on an HTML route reach the page hook, or the form hook
// for a refused form, with the same status, translated in the request's
// language; a failure of poslink never reaches a form.
func TestHTMLAnswers(t *testing.T) {
	srv, _ := server(t)
	var a pageAnswer
	res, body := get(t, srv.URL+"/err/throttled", "Accept-Language", "en")
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if res.StatusCode != 429 || a.Via != "page" || a.Title != "Please wait" || a.Message != i18n.T(i18n.EN, "err.login_throttled", 15) ||
		res.Header.Get("Retry-After") != "841" {
		t.Fatalf("throttled page: %d %+v Retry-After %q", res.StatusCode, a, res.Header.Get("Retry-After"))
	}

	res, body = post(t, srv.URL+"/form/invalid", url.Values{"name": {""}}, "Sec-Fetch-Site", "same-origin")
	a = pageAnswer{}
	_ = json.Unmarshal(body, &a)
	if res.StatusCode != 400 || a.Via != "form" || a.Message != "入力内容を確認してください。" || a.Fields["name"] != "入力してください。" {
		t.Fatalf("refused form: %d %s", res.StatusCode, body)
	}
	for name, status := range map[string]int{"conflict": 409, "unavailable": 503, "not-found": 404} {
		res, body = post(t, srv.URL+"/form/"+name, nil)
		a = pageAnswer{}
		_ = json.Unmarshal(body, &a)
		if a.Via != "form" || res.StatusCode != status {
			t.Errorf("form refused with %s: %d %s", name, res.StatusCode, body)
		}
	}
	res, body = post(t, srv.URL+"/form/internal", nil)
	a = pageAnswer{}
	_ = json.Unmarshal(body, &a)
	if res.StatusCode != 500 || a.Via != "page" || strings.Contains(string(body), "secret-cause") {
		t.Fatalf("internal failure on a form: %d %s", res.StatusCode, body)
	}
	// On a JSON route a form's error is a problem document all the same.
	res, body = post(t, srv.URL+"/api/form/invalid", nil)
	if p := problem(t, res, body); p.Type != "/problems/invalid" || len(p.Errors) != 2 {
		t.Fatalf("form on a JSON route: %+v", p)
	}
}

// A panic is answered in the format of the route group it happened in,
// logged with its stack, and never shown.
func TestPanicAnsweredByItsGroup(t *testing.T) {
	srv, logs := server(t)
	res, body := get(t, srv.URL+"/api/panic")
	if res.StatusCode != 500 {
		t.Fatalf("JSON panic: %d", res.StatusCode)
	}
	p := problem(t, res, body)
	if p.Type != "/problems/internal" || strings.Contains(string(body), "nil map") {
		t.Fatalf("JSON panic: %s", body)
	}
	res, body = get(t, srv.URL+"/panic")
	var a pageAnswer
	if err := json.Unmarshal(body, &a); err != nil || res.StatusCode != 500 || a.Via != "page" || strings.Contains(a.Message, "nil map") {
		t.Fatalf("HTML panic: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(a.Message, res.Header.Get("X-Request-ID")) {
		t.Errorf("the page does not give the request ID: %q", a.Message)
	}
	if l := logs.String(); !strings.Contains(l, "nil map in handler") || !strings.Contains(l, "respond_test.go") {
		t.Errorf("the panic is not logged with its stack:\n%s", l)
	}
}

// The pipeline's own refusals — unknown paths and methods, cross-origin
// posts, oversized bodies — take the same route.
func TestPipelineRefusals(t *testing.T) {
	srv, _ := server(t)
	res, body := get(t, srv.URL+"/api/no/such/thing")
	if p := problem(t, res, body); res.StatusCode != 404 || p.Type != "/problems/not-found" {
		t.Errorf("unknown path: %d %+v", res.StatusCode, p)
	}
	res, body = post(t, srv.URL+"/api/ok", nil)
	if p := problem(t, res, body); res.StatusCode != 405 || p.Type != "/problems/method-not-allowed" || p.Title != "この操作はできません" {
		t.Errorf("wrong method: %d %+v", res.StatusCode, p)
	}
	res, body = post(t, srv.URL+"/api/form/conflict", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if p := problem(t, res, body); res.StatusCode != 403 || p.Type != "/problems/forbidden" || p.Detail != i18n.T(i18n.JA, "err.cross_origin") {
		t.Errorf("cross-origin post: %d %+v", res.StatusCode, p)
	}
	res, body = post(t, srv.URL+"/form/conflict", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	var a pageAnswer
	if _ = json.Unmarshal(body, &a); res.StatusCode != 403 || a.Via != "page" {
		t.Errorf("cross-origin post on a page: %d %s", res.StatusCode, body)
	}
	res, body = post(t, srv.URL+"/api/form/conflict", url.Values{"x": {strings.Repeat("x", 2000)}})
	if p := problem(t, res, body); res.StatusCode != 400 || p.Detail != i18n.T(i18n.JA, "err.bad_request") {
		t.Errorf("oversized body: %d %+v", res.StatusCode, p)
	}
}

// A sane X-Request-ID from a load balancer is kept, anything else replaced;
// the log line of a quiet route is at debug level unless it failed.
func TestRequestIDAndLogLine(t *testing.T) {
	srv, logs := server(t)
	res, _ := get(t, srv.URL+"/ok", "X-Request-ID", "lb-1234.abc_DEF")
	if id := res.Header.Get("X-Request-ID"); id != "lb-1234.abc_DEF" {
		t.Errorf("kept ID %q", id)
	}
	for _, bad := range []string{"has space", strings.Repeat("x", 65), "semi;colon", "<script>"} {
		res, _ := get(t, srv.URL+"/ok", "X-Request-ID", bad)
		if id := res.Header.Get("X-Request-ID"); id == bad || len(id) != 16 {
			t.Errorf("X-Request-ID %q answered with %q", bad, id)
		}
	}
	if !strings.Contains(logs.String(), `level=INFO msg="http request" request_id=lb-1234.abc_DEF method=GET path=/ok status=200`) {
		t.Errorf("no request line:\n%s", logs.String())
	}
	get(t, srv.URL+"/healthz")
	if !strings.Contains(logs.String(), `level=DEBUG msg="http request"`) || !strings.Contains(logs.String(), "path=/healthz") {
		t.Errorf("the health check is not logged at debug level:\n%s", logs.String())
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/cameras": "/cameras", "/ubiregi?x=1#conn-2": "/ubiregi?x=1#conn-2",
		"": "/", "https://evil.example/": "/", "//evil.example": "/", "/\\evil.example": "/",
		"/a\r\nSet-Cookie: x": "/", "/" + strings.Repeat("a", 600): "/", "cameras": "/",
	} {
		if got := httpx.LocalPath(in, "/"); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}
