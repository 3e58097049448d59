package portal

import "net/http"

// supportAudit is the staff's 監査ログ: every tenant's entries, filtered
// by tenant name, actor, action and dates, or by the tenant or user a
// link names.
func (s *Server) supportAudit(w http.ResponseWriter, r *http.Request) {
	s.auditPage(w, r, staffAuditReader, "support.audit.title")
}

// supportAuditCSV exports the 監査ログ's entries of the same filter.
func (s *Server) supportAuditCSV(w http.ResponseWriter, r *http.Request) {
	s.auditCSV(w, r, staffAuditReader, "support.audit.title")
}
