package portal

import (
	"net/http"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportOwnerCreate is オーナーを追加: the camera owner account that logs
// in to the portal for this tenant.
func (s *Server) supportOwnerCreate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	in := tenancy.UserInput{Email: r.PostForm.Get("email"), DisplayName: r.PostForm.Get("display_name"),
		Password: r.PostForm.Get("password")}
	u, err := s.deps.Tenancy.CreateOwner(r.Context(), actor(r), t.ID, in)
	if err != nil {
		// The password is never sent back into the page.
		f := views.Form{Values: map[string]string{"email": in.Email, "display_name": in.DisplayName}}
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderTenantDetail(w, r, a.Status, t, tenantForms{owner: &f})
		})
		return
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#owners", flashOK, text(r, "flash.owner_created", u.Email))
}

// supportOwner loads the owner named in the URL within tenant t; when it
// answers false it has already answered the request (404 for a bad ID, a
// staff user or another tenant's user).
func (s *Server) supportOwner(w http.ResponseWriter, r *http.Request, t tenancy.Tenant) (tenancy.User, bool) {
	id, ok := s.pathID(w, r, "userID")
	if !ok {
		return tenancy.User{}, false
	}
	u, err := s.deps.Tenancy.TenantOwner(r.Context(), t.ID, id)
	if err != nil {
		s.respond(w, r, err)
		return tenancy.User{}, false
	}
	return u, true
}

// supportOwnerSetDisabled is 利用停止 (disabled true) or 利用再開. A suspended
// owner's sessions end at their next request, as the session loader
// re-reads the user.
func (s *Server) supportOwnerSetDisabled(disabled bool) http.HandlerFunc {
	flash := "flash.owner_enabled"
	if disabled {
		flash = "flash.owner_disabled"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.supportTenant(w, r)
		if !ok {
			return
		}
		u, ok := s.supportOwner(w, r, t)
		if !ok {
			return
		}
		// The check above and this change are not one transaction; that is
		// safe because an owner never moves to another tenant.
		if err := s.deps.Tenancy.SetUserDisabled(r.Context(), actor(r), u.ID, disabled); err != nil {
			s.respond(w, r, err)
			return
		}
		s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#owners", flashOK, text(r, flash, u.Email))
	}
}

// supportOwnerPassword is パスワード再設定: staff set a new password and tell
// it to the owner. It is neither shown again nor logged.
func (s *Server) supportOwnerPassword(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return
	}
	u, ok := s.supportOwner(w, r, t)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if err := s.deps.Tenancy.SetPassword(r.Context(), actor(r), u.ID, r.PostForm.Get("password")); err != nil {
		var f views.Form
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderTenantDetail(w, r, a.Status, t, tenantForms{password: &f, passwordUser: u.ID})
		})
		return
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#owners", flashOK, text(r, "flash.password_set", u.Email))
}
