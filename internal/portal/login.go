package portal

import (
	"net/http"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	next := httpx.LocalPath(r.URL.Query().Get("next"), "")
	s.renderLogin(w, r, http.StatusOK, views.Form{Values: map[string]string{"next": next}})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	p := s.page(r, "login.title")
	p.BodyClass = "login-page"
	s.render(w, r, status, views.Login(p, f, s.cfg.Demo))
}

// login checks the e-mail and password. Every refusal — wrong credentials,
// a suspended account, too many attempts (429 with Retry-After) — is an
// apperr answered on the form by the one error function.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email, pw := r.PostForm.Get("email"), r.PostForm.Get("password")
	next := httpx.LocalPath(r.PostForm.Get("next"), "/")
	u, err := s.deps.Auth.Login(r.Context(), email, pw, s.clientIP(r))
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) {
			// The password is never sent back into the form.
			f := views.Form{Values: map[string]string{"email": email, "next": r.PostForm.Get("next")}}
			s.renderLogin(w, r, a.Status, withAnswer(f, a))
		})
		return
	}

	tenantName := ""
	if u.Role == tenancy.RoleOwner {
		t, err := s.deps.Tenancy.GetTenant(r.Context(), u.TenantID)
		if err != nil {
			s.respond(w, r, err)
			return
		}
		tenantName = t.Name
	}
	// A new token at login: a token planted before login is worthless after.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.respond(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessUserID, u.ID)
	s.sessions.Put(r.Context(), sessEpoch, u.SessionEpoch)
	s.sessions.Put(r.Context(), sessTenantName, tenantName)
	httpx.Logger(r.Context()).Info("login", "user_id", u.ID, "role", string(u.Role))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.respond(w, r, err)
		return
	}
	// Destroy deleted the old session; the flash starts a fresh one under a
	// new token.
	s.redirectFlash(w, r, "/login", flashInfo, text(r, "flash.logged_out"))
}
