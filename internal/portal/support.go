package portal

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportRoutes is the support staff console: tenants, their owners and
// cameras (step ② カメラクラウド設定 of the manuals), the POS option, and the
// audit log. requireStaff is already applied. Unlike the owner's pages, these
// take the tenant from the URL: staff work across tenants. Every user and
// camera is then looked up within that tenant, so a mismatched pair is 404.
func (s *Server) supportRoutes(r chi.Router) {
	// A subrouter made by Route inside a Group does not inherit these, and
	// would answer with chi's plain-text pages; the nested Route below
	// inherits them from here.
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/support/tenants", http.StatusSeeOther)
	})
	r.Get("/tenants", s.supportTenantList)
	r.Post("/tenants", s.supportTenantCreate)
	r.Route("/tenants/{tenantID}", func(r chi.Router) {
		r.Get("/", s.supportTenantDetail)
		r.Post("/", s.supportTenantRename)
		r.Post("/owners", s.supportOwnerCreate)
		r.Post("/users/{userID}/disable", s.supportOwnerSetDisabled(true))
		r.Post("/users/{userID}/enable", s.supportOwnerSetDisabled(false))
		r.Post("/users/{userID}/password", s.supportOwnerPassword)
		r.Post("/cameras", s.supportCameraCreate)
		r.Get("/cameras/{cameraID}", s.supportCameraPage)
		r.Post("/cameras/{cameraID}", s.supportCameraUpdate)
		r.Post("/cameras/{cameraID}/pos", s.supportCameraPOS)
	})
	r.Get("/audit", s.supportAudit)
}

// supportActor is the logged-in staff member, as the audit log names them.
func supportActor(r *http.Request) audit.Actor {
	u := currentUser(r.Context())
	return audit.Actor{UserID: u.ID, Label: u.Email}
}

// supportTenant loads the tenant named in the URL; when it answers false
// it has already answered the request (404 for a bad or unknown ID).
func (s *Server) supportTenant(w http.ResponseWriter, r *http.Request) (tenancy.Tenant, bool) {
	id, ok := pathID(r, "tenantID")
	if !ok {
		s.notFound(w, r)
		return tenancy.Tenant{}, false
	}
	t, err := s.deps.Tenancy.GetTenant(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return tenancy.Tenant{}, false
	}
	return t, true
}

// supportParseForm reads a POSTed form; a body too large or malformed is a 400.
func (s *Server) supportParseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadRequest)
		return false
	}
	return true
}

// supportFormError puts err's field messages on f and returns the status to
// re-render the form with. ok is false when err is not about the form (a
// vanished tenant, a database failure): the caller then answers with fail.
func supportFormError(r *http.Request, f *views.Form, err error) (status int, ok bool) {
	if !formFromError(langOf(r.Context()), f, err) {
		return 0, false
	}
	return statusOf(apperr.KindOf(err)), true
}

// supportFieldError is a form error on one field, for checks made in the handler
// before the store is called.
func supportFieldError(field, key string) error {
	return &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid", Fields: map[string]string{field: key}}
}

// supportDone flashes text and sends the browser to path with 303, so that
// reloading the next page does not send the form again.
func (s *Server) supportDone(w http.ResponseWriter, r *http.Request, path, text string) {
	s.flash(r, "ok", text)
	http.Redirect(w, r, path, http.StatusSeeOther)
}

func supportTenantPath(id int64) string { return "/support/tenants/" + strconv.FormatInt(id, 10) }
