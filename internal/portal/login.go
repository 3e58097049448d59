package portal

import (
	"errors"
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	next := localPath(r.URL.Query().Get("next"), "")
	s.renderLogin(w, r, http.StatusOK, views.Form{Values: map[string]string{"next": next}})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	p := s.page(r, "login.title")
	p.BodyClass = "login-page"
	s.render(w, r, status, views.Login(p, f, s.cfg.Demo))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadRequest)
		return
	}
	lang := langOf(r.Context())
	email, pw := r.PostForm.Get("email"), r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"), "/")
	// The password is never sent back into the form.
	f := views.Form{Values: map[string]string{"email": email, "next": r.PostForm.Get("next")}}

	u, err := s.deps.Auth.Login(r.Context(), email, pw, s.clientIP(r))
	switch ae, _ := apperr.As(err); {
	case ae != nil && ae.Kind == apperr.Throttled:
		w.Header().Set("Retry-After", itoa(int((ae.RetryAfter+time.Second-1)/time.Second)))
		f.Error = i18n.T(lang, ae.Key, ae.Args...)
		s.renderLogin(w, r, http.StatusTooManyRequests, f)
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		f.Error = i18n.T(lang, "err.login_invalid")
		s.renderLogin(w, r, http.StatusUnauthorized, f)
		return
	case errors.Is(err, auth.ErrDisabled):
		f.Error = i18n.T(lang, "err.login_disabled")
		s.renderLogin(w, r, http.StatusForbidden, f)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}

	tenantName := ""
	if u.Role == tenancy.RoleOwner {
		t, err := s.deps.Tenancy.GetTenant(r.Context(), u.TenantID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		tenantName = t.Name
	}
	// A new token at login: a token planted before login is worthless after.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessUserID, u.ID)
	s.sessions.Put(r.Context(), sessEpoch, u.SessionEpoch)
	s.sessions.Put(r.Context(), sessTenantName, tenantName)
	s.logger(r.Context()).Info("login", "user_id", u.ID, "role", string(u.Role))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	// Destroy deleted the old session; the flash starts a fresh one under a
	// new token.
	s.flash(r, "info", i18n.T(langOf(r.Context()), "flash.logged_out"))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

var errBadRequest = apperr.New(apperr.Invalid, "err.bad_request")
