package httpx

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// problemTypeBase prefixes every problem type: a relative URI reference, so
// that the types do not depend on where poslink is served.
const problemTypeBase = "/problems/"

// Problem is an application/problem+json document (RFC 9457) with
// poslink's extension members.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// RequestID is what to tell the support center.
	RequestID string `json:"request_id,omitempty"`
	// RetryAfter is the wait in seconds, as the Retry-After header says.
	RetryAfter int `json:"retry_after,omitempty"`
	// Errors are the fields' messages, sorted by field.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is what is wrong with one field of the request.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, a Answer) {
	p := Problem{Type: problemTypeBase + a.Type, Title: a.Title, Status: a.Status, Detail: a.Message,
		Instance: r.URL.Path, RequestID: a.RequestID}
	if a.RetryAfter > 0 {
		p.RetryAfter = retrySeconds(a)
	}
	for _, f := range slices.Sorted(maps.Keys(a.Fields)) {
		p.Errors = append(p.Errors, FieldProblem{Field: f, Detail: a.Fields[f]})
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(a.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		Logger(r.Context()).Warn("write problem", "err", err)
	}
}
