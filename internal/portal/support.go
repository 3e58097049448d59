package portal

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/tenancy"
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
	r.NotFound(s.answers.NotFound)
	r.MethodNotAllowed(s.answers.MethodNotAllowed)
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
		r.Get("/cameras/{cameraID}/dashboard", s.supportDashboard)
		r.Post("/cameras/{cameraID}", s.supportCameraUpdate)
		r.Post("/cameras/{cameraID}/pos", s.supportCameraPOS)
		r.Get("/cameras/{cameraID}/transactions/{txnID}/still", s.supportStill)
		r.Get("/cameras/{cameraID}/live.jpg", s.supportLivePicture)
		s.supportLinkRoutes(r)
		// 今すぐ取得: poll a connection at once after an error.
		r.Post("/connections/{connID}/requeue", s.supportRequeue)
	})
	r.Get("/audit", s.supportAudit)
	r.Get("/audit.csv", s.supportAuditCSV)
}

// supportTenant loads the tenant named in the URL; when it answers false
// it has already answered the request (404 for a bad or unknown ID).
func (s *Server) supportTenant(w http.ResponseWriter, r *http.Request) (tenancy.Tenant, bool) {
	id, ok := s.pathID(w, r, "tenantID")
	if !ok {
		return tenancy.Tenant{}, false
	}
	t, err := s.deps.Tenancy.GetTenant(r.Context(), id)
	if err != nil {
		s.respond(w, r, err)
		return tenancy.Tenant{}, false
	}
	return t, true
}
