package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/portal/openapi"
)

// apiDoc is the API's OpenAPI document, loaded and checked once.
var apiDoc = func() *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		panic("openapi.json: " + err.Error())
	}
	if err := doc.Validate(context.Background()); err != nil {
		panic("openapi.json is not a valid OpenAPI 3 document: " + err.Error())
	}
	return doc
}()

// apiRoute finds the operation of the document that answers req, with the
// path's parameters; nil when the document has none (an unknown path or a
// method the API does not take).
func apiRoute(req *http.Request) (*routers.Route, map[string]string) {
	rest, ok := strings.CutPrefix(req.URL.Path, portal.APIPrefix)
	if !ok {
		return nil, nil
	}
	got := strings.Split(rest, "/")
	for tmpl, item := range apiDoc.Paths.Map() {
		want := strings.Split(tmpl, "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		match := true
		for i, seg := range want {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				params[strings.TrimSuffix(name, "}")] = got[i]
			} else if seg != got[i] {
				match = false
				break
			}
		}
		if op := item.GetOperation(req.Method); match && op != nil {
			return &routers.Route{Spec: apiDoc, Path: tmpl, PathItem: item, Method: req.Method, Operation: op}, params
		}
	}
	return nil, nil
}

// validateAPI checks an answer of the API against the OpenAPI document:
// its status is one the operation documents, its headers and body match
// the schema of that status and content type. An answer to what the
// document has no operation for (an unknown path, a method the API does
// not take) must be a problem document.
func validateAPI(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	route, params := apiRoute(req)
	if route == nil {
		mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		var v any
		if mt != "application/problem+json" || json.Unmarshal(body, &v) != nil {
			t.Errorf("%s %s: %d %q is no problem document: %.500s", req.Method, req.URL.Path, res.StatusCode, mt, body)
			return
		}
		if err := apiDoc.Components.Schemas["Problem"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: the problem document does not match the schema: %v", req.Method, req.URL.Path, err)
		}
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: %d does not match the OpenAPI document: %v\n%.1000s", req.Method, req.URL.RequestURI(), res.StatusCode, err, body)
	}
}

// apiCall sends a request to the API with the bearer token (none when
// ""), or through c's session when c is set, validates the answer against
// the document and returns it.
func apiCall(t *testing.T, e *env, c *client, method, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	var res *http.Response
	var body []byte
	if c != nil {
		var s string
		res, s = c.do(req)
		body = []byte(s)
	} else {
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if body, err = io.ReadAll(res.Body); err != nil {
			t.Fatal(err)
		}
	}
	validateAPI(t, req, res, body)
	return res, body
}

// apiProblem reads a problem document.
func apiProblem(t *testing.T, body []byte) problemDoc {
	t.Helper()
	var p problemDoc
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem document: %v\n%s", err, body)
	}
	return p
}

type problemDoc struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}
