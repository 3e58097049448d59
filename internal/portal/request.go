package portal

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/httpx"
)

// actor is the logged-in person, as the audit log names them.
func actor(r *http.Request) audit.Actor {
	u := currentUser(r.Context())
	addr, _ := r.Context().Value(ctxAddress).(string)
	return audit.Actor{UserID: u.ID, Label: u.Email, Address: addr}
}

// parseForm reads the request's form; when it answers false it has already
// answered 400.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := httpx.ParseForm(r); err != nil {
		s.respond(w, r, err)
		return false
	}
	return true
}

// pathID reads a positive integer ID from the URL; when it answers false
// it has already answered 404.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		s.answers.NotFound(w, r)
		return 0, false
	}
	return id, true
}

// The kinds of flash message, styled by the layout.
const (
	flashOK    = "ok"
	flashError = "error"
	flashInfo  = "info"
)

// redirectFlash keeps msg (translated) for the next page and sends the
// browser to path with 303, so that reloading that page sends nothing
// again.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, path, kind, msg string) {
	s.sessions.Put(r.Context(), sessFlashKind, kind)
	s.sessions.Put(r.Context(), sessFlashText, msg)
	http.Redirect(w, r, path, http.StatusSeeOther)
}
