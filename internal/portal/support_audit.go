package portal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/web/views"
)

// supportAuditPageSize is how many entries one page of the 監査ログ shows.
const supportAuditPageSize = 100

// supportAudit is the 監査ログ: newest first, optionally one tenant's,
// paged backwards by entry ID so that new entries do not shift the pages.
func (s *Server) supportAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := langOf(r.Context())
	p := s.page(r, "support.audit.title")
	tenantText := strings.TrimSpace(q.Get("tenant"))
	l := views.AuditList{Filter: views.Form{Values: map[string]string{"tenant": tenantText}}}
	tenantID, ok := supportQueryID(tenantText)
	if !ok {
		l.Filter.Errors = map[string]string{"tenant": i18n.T(lang, "err.tenant_id_invalid")}
		s.render(w, r, http.StatusBadRequest, views.SupportAudit(p, l))
		return
	}
	// before is only ever made by the "older" link, so a bad one is no
	// person's typing mistake.
	before, ok := supportQueryID(q.Get("before"))
	if !ok {
		s.respond(w, r, httpx.ErrBadRequest)
		return
	}
	entries, err := audit.List(r.Context(), s.deps.Pool,
		audit.Filter{TenantID: tenantID, BeforeID: before, Limit: supportAuditPageSize + 1})
	if err != nil {
		s.respond(w, r, err)
		return
	}
	if tenantID != 0 {
		t, err := s.deps.Tenancy.GetTenant(r.Context(), tenantID)
		switch {
		case err == nil:
			l.Scope = i18n.T(lang, "support.audit.for_tenant", t.Name, t.ID)
		case apperr.KindOf(err) == apperr.NotFound:
			l.Scope = i18n.T(lang, "support.audit.for_tenant_id", tenantID)
		default:
			s.respond(w, r, err)
			return
		}
	}
	more := len(entries) > supportAuditPageSize
	if more {
		entries = entries[:supportAuditPageSize]
		l.OlderURL = views.SupportAuditURL(tenantID, entries[len(entries)-1].ID)
	}
	if before != 0 {
		l.NewestURL = views.SupportAuditURL(tenantID, 0)
	}
	for _, e := range entries {
		l.Rows = append(l.Rows, views.AuditRow{ID: e.ID, At: p.Time(e.At, s.cfg.Location), Actor: e.Actor.Label,
			Action: supportActionName(lang, e.Action), Code: e.Action, TenantID: e.TenantID,
			Target: e.Target, TargetURL: supportTargetURL(e), Details: supportDetails(e.Details)})
	}
	s.render(w, r, http.StatusOK, views.SupportAudit(p, l))
}

// supportQueryID reads an optional positive ID from a query parameter: 0
// when absent.
func supportQueryID(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// supportActionName translates an action; one without a translation (added
// by a newer part of the system) shows as its code.
func supportActionName(lang i18n.Lang, action string) string {
	key := "audit.action." + action
	if !i18n.Has(key) {
		return action
	}
	return i18n.T(lang, key)
}

// supportTargetURL links an entry's target ("tenant:1", "camera:2",
// "user:3") to the staff page that shows it.
func supportTargetURL(e audit.Entry) string {
	kind, idText, _ := strings.Cut(e.Target, ":")
	id, ok := supportQueryID(idText)
	if !ok || id == 0 {
		return ""
	}
	switch {
	case kind == "tenant":
		return views.SupportTenantURL(id)
	case kind == "camera" && e.TenantID != 0:
		return views.SupportCameraURL(e.TenantID, id)
	case kind == "user" && e.TenantID != 0:
		return views.SupportTenantURL(e.TenantID) + "#owners"
	}
	return ""
}

// supportDetails renders an entry's details as compact JSON with sorted keys.
func supportDetails(d map[string]any) string {
	if len(d) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // templ escapes for HTML; \u003c would only confuse readers
	if err := enc.Encode(supportRedact(d)); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// supportRedact masks values under keys that name a secret. Details must
// never hold one (audit.Entry says so, and the tests check the writers);
// this is the second guard, so that a mistake elsewhere is not shown to
// every staff member.
func supportRedact(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "password") || strings.Contains(lk, "secret") || strings.Contains(lk, "token") {
				out[k] = "*****"
				continue
			}
			out[k] = supportRedact(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = supportRedact(x)
		}
		return out
	}
	return v
}
