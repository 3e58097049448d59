package portal

import (
	"context"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/web/views"
)

func itoa(n int) string { return strconv.Itoa(n) }

// page builds the layout data of a page titled by the i18n key titleKey.
func (s *Server) page(r *http.Request, titleKey string, args ...any) views.Page {
	lang := langOf(r.Context())
	p := views.Page{Lang: lang, Title: i18n.T(lang, titleKey, args...), Path: r.URL.Path}
	if u := currentUser(r.Context()); u != nil {
		p.User = &views.User{Email: u.Email, Staff: u.Role == "staff", TenantName: u.TenantName}
	}
	if text := s.sessions.PopString(r.Context(), sessFlashText); text != "" {
		p.Flash = &views.Flash{Kind: s.sessions.PopString(r.Context(), sessFlashKind), Text: text}
	}
	return p
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.logger(r.Context()).Error("render page", "err", err)
	}
}

// statusOf maps an error kind to the HTTP status that answers it.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Throttled:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// fail answers a request with the error page for err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		s.serverError(w, r, err)
		return
	}
	status := statusOf(e.Kind)
	p := s.page(r, "error.title_"+itoa(status))
	s.render(w, r, status, views.ErrorPage(p, status, p.T(e.Key, e.Args...)))
}

// serverError logs err and answers with a page that shows the request ID,
// never the error itself.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger(r.Context()).Error("request failed", "err", err)
	lang := langOf(r.Context())
	id, _ := r.Context().Value(ctxRequestID).(string)
	p := views.Page{Lang: lang, Title: i18n.T(lang, "error.title_500"), Path: r.URL.Path}
	s.render(w, r, http.StatusInternalServerError, views.ErrorPage(p, 500, i18n.T(lang, "err.internal", id)))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, apperr.New(apperr.NotFound, "err.not_found"))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "error.title_405")
	s.render(w, r, http.StatusMethodNotAllowed, views.ErrorPage(p, 405, p.T("err.method_not_allowed")))
}

// formFromError turns a validation error into messages on the form; ok is
// false when err is not about the form's fields.
func formFromError(lang i18n.Lang, f *views.Form, err error) bool {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return false
	}
	f.Errors = make(map[string]string, len(e.Fields))
	for field, key := range e.Fields {
		f.Errors[field] = i18n.T(lang, key)
	}
	f.Error = i18n.T(lang, e.Key, e.Args...)
	return true
}

// ownedByPath loads what the URL's ID parameter names within the session's
// tenant; when it answers false it has already answered (404 for a bad ID or
// another tenant's).
func ownedByPath[T any](s *Server, w http.ResponseWriter, r *http.Request, param string,
	load func(ctx context.Context, tenantID, id int64) (T, error)) (T, bool) {
	var zero T
	id, ok := pathID(r, param)
	if !ok {
		s.notFound(w, r)
		return zero, false
	}
	v, err := load(r.Context(), currentUser(r.Context()).TenantID, id)
	if err != nil {
		s.fail(w, r, err)
		return zero, false
	}
	return v, true
}
