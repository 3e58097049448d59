package smaregi

import (
	"net/http"
	"strconv"
	"time"
)

// writeProblem answers with the Platform API's error body:
// {"type":"about:blank","title":…,"detail":…,"status":<number>}.
// ASSUMPTION: (#17) type is always about:blank and the media type
// application/json (clients must accept application/problem+json too).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	b := make([]byte, 0, 128+len(detail))
	o := beginObject(&b, nil)
	o.str("type", "about:blank")
	o.str("title", http.StatusText(status))
	o.str("detail", detail)
	o.int("status", int64(status))
	o.end()
	writeJSON(w, status, b)
}

// writeJSON sends a JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// problemResponder answers injected faults on the ID and API hosts.
type problemResponder struct{}

func (problemResponder) Fault(w http.ResponseWriter, _ *http.Request, status int, _ time.Duration) {
	detail := "The service is temporarily unavailable."
	if status == http.StatusTooManyRequests {
		detail = "Too many requests; retry after the time in Retry-After."
	}
	writeProblem(w, status, detail)
}
