package portal

import (
	"context"
	"net/http"

	"github.com/a-h/templ"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/web/views"
)

// page builds the layout data of a page titled by the i18n key titleKey,
// with the flash message left by the previous request.
func (s *Server) page(r *http.Request, titleKey string, args ...any) views.Page {
	p := basePage(r, text(r, titleKey, args...))
	if msg := s.sessions.PopString(r.Context(), sessFlashText); msg != "" {
		p.Flash = &views.Flash{Kind: s.sessions.PopString(r.Context(), sessFlashKind), Text: msg}
	}
	return p
}

// basePage is the layout data that needs no session: error pages are
// shown also where the session is not loaded (a refused cross-origin post,
// a panic), and leave the flash for the next real page. The path, which
// the language switch sends back as its next page, is the escaped one, so
// that a hand-made URL cannot put a tab or "//" in it.
func basePage(r *http.Request, title string) views.Page {
	p := views.Page{Lang: langOf(r.Context()), Title: title, Path: httpx.LocalPath(r.URL.EscapedPath(), "/")}
	if u := currentUser(r.Context()); u != nil {
		p.User = &views.User{Email: u.Email, Staff: u.Role == "staff", TenantName: u.TenantName}
	}
	return p
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		httpx.Logger(r.Context()).Error("render page", "err", err)
	}
}

// errorPage is the HTML side of the one error function (httpx.Responder).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, a httpx.Answer) {
	s.render(w, r, a.Status, views.ErrorPage(basePage(r, a.Title), a.Message))
}

// respond answers the request with err (see httpx.Responder.Respond).
func (s *Server) respond(w http.ResponseWriter, r *http.Request, err error) {
	s.answers.Respond(w, r, err)
}

// respondForm answers a refused form: show renders it again with the
// answer's status and messages (see httpx.Responder.RespondForm).
func (s *Server) respondForm(w http.ResponseWriter, r *http.Request, err error, show httpx.FormFunc) {
	s.answers.RespondForm(w, r, err, show)
}

// withAnswer is f carrying the answer's messages: the whole form's and
// each field's.
func withAnswer(f views.Form, a httpx.Answer) views.Form {
	f.Error, f.Errors = a.Message, a.Fields
	return f
}

// ownedByPath loads what the URL's ID parameter names within the session's
// tenant; when it answers false it has already answered (404 for a bad ID or
// another tenant's).
func ownedByPath[T any](s *Server, w http.ResponseWriter, r *http.Request, param string,
	load func(ctx context.Context, tenantID, id int64) (T, error)) (T, bool) {
	var zero T
	id, ok := s.pathID(w, r, param)
	if !ok {
		return zero, false
	}
	v, err := load(r.Context(), currentUser(r.Context()).TenantID, id)
	if err != nil {
		s.respond(w, r, err)
		return zero, false
	}
	return v, true
}
