package portal

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// ownerAuditRoutes are the owner's 操作履歴 and its CSV: the tenant's own
// entries (who changed which link or camera, when, before → after, and why
// when support made the change). The tenant is the session's: no
// parameter names another. requireOwner is already applied.
func (s *Server) ownerAuditRoutes(r chi.Router) {
	r.Get("/audit", s.ownerAudit)
	r.Get("/audit.csv", s.ownerAuditCSV)
}

func (s *Server) ownerAudit(w http.ResponseWriter, r *http.Request) {
	s.auditPage(w, r, ownerAuditReader(r), "audit.owner.title")
}

func (s *Server) ownerAuditCSV(w http.ResponseWriter, r *http.Request) {
	s.auditCSV(w, r, ownerAuditReader(r), "audit.owner.title")
}
