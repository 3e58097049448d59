package httpx_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

// inputServer checks input as the portal's pipeline does, in an HTML group
// and a JSON group: /echo answers the query and form it read as JSON,
// /json the body it read.
func inputServer(t *testing.T) *httptest.Server {
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
		r.Post("/json", func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) })
	}
	r := chi.NewRouter()
	r.Use(httpx.Start(discardLog), rs.Recover)
	r.Route("/api", func(r chi.Router) {
		r.Use(httpx.JSON, httpx.LimitBody(64<<10), rs.CheckInput)
		routes(r)
	})
	r.Group(func(r chi.Router) {
		r.Use(httpx.LimitBody(64<<10), rs.CheckInput)
		r.NotFound(rs.NotFound)
		routes(r)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// Finding 5: NUL, invalid UTF-8 and oversized values reached PostgreSQL,
// which answered with an error that became a 500. They are refused at the
// door with 400 and a message, in the group's format, before the handler.
func TestInputCheckedWhereItComesIn(t *testing.T) {
	srv := inputServer(t)
	long := strings.Repeat("x", httpx.MaxValueBytes+1)
	msg := i18n.T(i18n.JA, "err.bad_input")
	for name, c := range map[string]struct {
		method, path, body, contentType string
	}{
		"NUL in a query value":          {http.MethodGet, "/echo?q=%00", "", ""},
		"invalid UTF-8 in a query":      {http.MethodGet, "/echo?q=%FF", "", ""},
		"NUL in a query name":           {http.MethodGet, "/echo?a%00b=1", "", ""},
		"oversized query value":         {http.MethodGet, "/echo?q=" + long, "", ""},
		"oversized query name":          {http.MethodGet, "/echo?" + long + "=1", "", ""},
		"malformed query":               {http.MethodGet, "/echo?q=%zz", "", ""},
		"NUL in the path":               {http.MethodGet, "/echo%00", "", ""},
		"invalid UTF-8 in the path":     {http.MethodGet, "/cameras/%FF", "", ""},
		"NUL in a form value":           {http.MethodPost, "/echo", "email=a%00b", "application/x-www-form-urlencoded"},
		"invalid UTF-8 in a form value": {http.MethodPost, "/echo", "terminal=%FF", "application/x-www-form-urlencoded"},
		"second value bad":              {http.MethodPost, "/echo", "terminal=1&terminal=%00", "application/x-www-form-urlencoded"},
		"oversized form value":          {http.MethodPost, "/echo", "email=" + long, "application/x-www-form-urlencoded; charset=utf-8"},
		"oversized form name":           {http.MethodPost, "/echo", long + "=1", "application/x-www-form-urlencoded"},
		"malformed form":                {http.MethodPost, "/echo", "a=%zz", "application/x-www-form-urlencoded"},
		"JSON escaped NUL":              {http.MethodPost, "/json", `{"name":"a\u0000b"}`, "application/json"},
		"JSON escaped NUL in a key":     {http.MethodPost, "/json", `{"a\u0000":1}`, "application/json"},
		"JSON invalid UTF-8":            {http.MethodPost, "/json", "{\"name\":\"\xff\"}", "application/json"},
		"JSON oversized string":         {http.MethodPost, "/json", `["` + long + `"]`, "application/problem+json"},
		"JSON malformed":                {http.MethodPost, "/json", `{"name":`, "application/json"},
	} {
		for _, group := range []string{"", "/api"} {
			req, err := http.NewRequest(c.method, srv.URL+group+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			res, body := do(t, req)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s on %q: %d %s", name, group, res.StatusCode, body)
				continue
			}
			if group == "/api" {
				p := problem(t, res, body)
				if p.Type != "/problems/invalid" || (p.Detail != msg && p.Detail != i18n.T(i18n.JA, "err.bad_request")) {
					t.Errorf("%s: problem %+v", name, p)
				}
				continue
			}
			var a pageAnswer
			if err := json.Unmarshal(body, &a); err != nil || a.Via != "page" || (a.Message != msg && a.Message != i18n.T(i18n.JA, "err.bad_request")) {
				t.Errorf("%s: page %s", name, body)
			}
		}
	}

	// The field is named in the problem document, the bad value never.
	res, body := post(t, srv.URL+"/api/echo", url.Values{"email": {"a\x00<b>"}})
	if p := problem(t, res, body); len(p.Errors) != 1 || p.Errors[0].Field != "email" ||
		p.Errors[0].Detail != i18n.T(i18n.JA, "err.text_invalid") || strings.Contains(string(body), "<b>") {
		t.Errorf("field of a refused value: %s", body)
	}

	// What passes reaches the handler as it was sent: text at the bound,
	// markup, direction controls and tabs are for the fields to judge.
	atBound := strings.Repeat("店", httpx.MaxValueBytes/3)
	res, body = post(t, srv.URL+"/echo?q="+url.QueryEscape(atBound), url.Values{"name": {"<b>\u202e\t" + atBound[:30]}, "n": {""}})
	var got url.Values
	if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != 200 || got.Get("q") != atBound ||
		got.Get("name") != "<b>\u202e\t"+atBound[:30] || !got.Has("n") {
		t.Errorf("good input: %d %.200s", res.StatusCode, body)
	}
	// A GET's body is no input.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/echo?q=1", strings.NewReader(`{"a":"\u0000`))
	req.Header.Set("Content-Type", "application/json")
	if res, body := do(t, req); res.StatusCode != 200 {
		t.Errorf("GET with a body: %d %s", res.StatusCode, body)
	}
	const doc = `{"name":"店\u202e<b>","n":[1,2.5,null,true],"nested":{"k":"v"}}`
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/api/json", strings.NewReader(doc))
	req.Header.Set("Content-Type", "application/json")
	if res, body := do(t, req); res.StatusCode != 200 || string(body) != doc {
		t.Errorf("good JSON: %d %s", res.StatusCode, body)
	}
}
