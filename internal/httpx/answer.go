package httpx

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/apperr"
)

// Answer is what an error becomes for whoever asked: the status, the
// message in the request's language, the fields' messages, and how long to
// wait. Nothing in it comes from the error's cause.
type Answer struct {
	Kind   apperr.Kind
	Status int
	// Type is the problem type's name (the last segment of its URI).
	Type string
	// Title is the status's title; Message says what went wrong here.
	Title   string
	Message string
	// Fields maps a form field to its message.
	Fields map[string]string
	// RetryAfter, when positive, is sent as Retry-After.
	RetryAfter time.Duration
	RequestID  string
}

// kinds maps each error kind to its status and problem type. The types are
// part of the JSON API: they never change.
var kinds = map[apperr.Kind]struct {
	status int
	typ    string
}{
	apperr.Invalid:      {http.StatusBadRequest, "invalid"},
	apperr.NotFound:     {http.StatusNotFound, "not-found"},
	apperr.Conflict:     {http.StatusConflict, "conflict"},
	apperr.Unauthorized: {http.StatusUnauthorized, "unauthorized"},
	apperr.Forbidden:    {http.StatusForbidden, "forbidden"},
	apperr.Throttled:    {http.StatusTooManyRequests, "throttled"},
	apperr.Unavailable:  {http.StatusServiceUnavailable, "unavailable"},
	apperr.Internal:     {http.StatusInternalServerError, "internal"},
}

// Explain logs err and makes it an answer. An error that is not an
// *apperr.Error, or is of kind Internal, is a failure of poslink: it is
// logged in full and answered with the request ID only, never its text.
func (rs *Responder) Explain(r *http.Request, err error) Answer {
	log := Logger(r.Context())
	id := RequestID(r.Context())
	e, ok := apperr.As(err)
	if (!ok || e.Kind == apperr.Internal) && rs.Classify != nil {
		if c := rs.Classify(err); c != nil {
			e, ok = c, true
		}
	}
	if !ok || e.Kind == apperr.Internal || kinds[e.Kind].typ == "" {
		log.Error("request failed", "err", err)
		return rs.answer(r, apperr.Internal, "err.internal", []any{id}, nil, 0)
	}
	// A dependency down is worth a look; a mistyped form or a stale link
	// is everyday.
	level := slog.LevelInfo
	switch e.Kind {
	case apperr.Unavailable:
		level = slog.LevelWarn
	case apperr.Invalid, apperr.NotFound:
		level = slog.LevelDebug
	}
	log.Log(r.Context(), level, "answered with error", "reason", e.Key, "err", err)
	return rs.answer(r, e.Kind, e.Key, e.Args, e.Fields, e.RetryAfter)
}

func (rs *Responder) answer(r *http.Request, kind apperr.Kind, key string, args []any, fields map[string]string,
	retry time.Duration) Answer {
	m := kinds[kind]
	a := Answer{Kind: kind, Status: m.status, Type: m.typ, Message: rs.Text(r, key, args...),
		Title: rs.Text(r, "error.title_"+strconv.Itoa(m.status)), RetryAfter: retry, RequestID: RequestID(r.Context())}
	if len(fields) > 0 {
		a.Fields = make(map[string]string, len(fields))
		for f, k := range fields {
			a.Fields[f] = rs.Text(r, k)
		}
	}
	return a
}
