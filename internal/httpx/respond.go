package httpx

import (
	"math"
	"net/http"
	"strconv"

	"github.com/poslink/poslink/internal/apperr"
)

// Responder answers errors. Every error a handler or middleware meets goes
// through Respond or RespondForm, which decide status, headers and body in
// one place; the route group decides the format (see JSON).
type Responder struct {
	// Text translates a message key into the request's language.
	Text func(r *http.Request, key string, args ...any) string
	// Page writes the HTML error page of an answer, with its status.
	Page func(w http.ResponseWriter, r *http.Request, a Answer)
	// Classify, when set, names what an error that is no *apperr.Error (or
	// is of kind Internal) is, when it knows: a database that cannot be
	// reached is Unavailable, not a failure of poslink. It returns nil for
	// anything else. It keeps this package free of any driver.
	Classify func(error) *apperr.Error
}

// FormFunc shows a refused form again, with a.Status, a.Message and the
// fields' messages, and what was typed.
type FormFunc func(a Answer)

// Respond answers the request with err: the error page on an HTML route,
// a problem document on a JSON route.
func (rs *Responder) Respond(w http.ResponseWriter, r *http.Request, err error) {
	rs.write(w, r, rs.Explain(r, err), nil)
}

// RespondForm answers a refused form: on an HTML route, form shows the
// form again with the messages, unless the error is a failure of poslink
// itself (the 500 page with the request ID). A JSON route gets the problem
// document either way.
func (rs *Responder) RespondForm(w http.ResponseWriter, r *http.Request, err error, form FormFunc) {
	rs.write(w, r, rs.Explain(r, err), form)
}

// NotFound answers a request for something that is not there, or not
// visible to whoever asks.
func (rs *Responder) NotFound(w http.ResponseWriter, r *http.Request) {
	rs.Respond(w, r, apperr.New(apperr.NotFound, "err.not_found"))
}

// MethodNotAllowed answers a method the route does not take. It is no
// domain error, so its answer is made here.
func (rs *Responder) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	a := rs.answer(r, apperr.Invalid, "err.method_not_allowed", nil, nil, 0)
	a.Status, a.Type = http.StatusMethodNotAllowed, "method-not-allowed"
	a.Title = rs.Text(r, "error.title_405")
	rs.write(w, r, a, nil)
}

func (rs *Responder) write(w http.ResponseWriter, r *http.Request, a Answer, form FormFunc) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if a.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retrySeconds(a)))
	}
	switch {
	case isJSON(r):
		writeProblem(w, r, a)
	case form != nil && a.Kind != apperr.Internal:
		form(a)
	default:
		rs.Page(w, r, a)
	}
}

// retrySeconds is the wait in whole seconds, rounded up: a client that
// waits exactly that long is not refused again.
func retrySeconds(a Answer) int {
	return max(1, int(math.Ceil(a.RetryAfter.Seconds())))
}
