package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/auditview"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/web/views"
)

// auditPageSize is how many entries one page of the log shows.
const auditPageSize = 100

// auditReader is who reads the log, and where.
type auditReader struct {
	aud auditview.Audience
	// tenantID is the owner's tenant (the session's); 0 for staff.
	tenantID int64
	// path is the page's path; its CSV is path + ".csv".
	path string
}

func (rd auditReader) staff() bool { return rd.aud == auditview.Staff }

// staffAuditReader is the console's reader: every tenant.
var staffAuditReader = auditReader{aud: auditview.Staff, path: "/support/audit"}

// ownerAuditReader reads the session's tenant only.
func ownerAuditReader(r *http.Request) auditReader {
	return auditReader{aud: auditview.Owner, tenantID: currentUser(r.Context()).TenantID, path: "/audit"}
}

// auditQuery reads the request's filter. An owner's is of the tenant
// whatever the query says, and its actor is looked for among the tenant's
// own users only: support's and the system's changes, which owners read
// as such, must not be found by an e-mail that owners are not shown (a
// filter that answers whether any entry matches would tell it).
func (s *Server) auditQuery(r *http.Request, rd auditReader) (auditQuery, error) {
	q := parseAuditQuery(r.URL.Query(), rd.staff(), s.cfg.Location)
	if rd.staff() {
		return q, nil
	}
	q.filter.TenantID = rd.tenantID
	if text := strings.ToLower(q.filter.ActorText); text != "" {
		owners, err := s.deps.Tenancy.Owners(r.Context(), rd.tenantID)
		if err != nil {
			return q, err
		}
		q.filter.ActorText = ""
		for _, u := range owners {
			if strings.Contains(u.Email, text) {
				q.filter.ActorIDs = append(q.filter.ActorIDs, u.ID)
			}
		}
		q.none = len(q.filter.ActorIDs) == 0
	}
	return q, nil
}

// auditPage shows a page of the log: newest first, paged backwards from
// an entry, so that new entries do not shift the pages. A refused filter
// is 400 with the form's messages, and nothing is read.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, rd auditReader, titleKey string) {
	q, err := s.auditQuery(r, rd)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	p := s.page(r, titleKey)
	l := s.auditLog(r, rd, q)
	if l.Refused {
		s.renderAudit(w, r, http.StatusBadRequest, rd, p, l)
		return
	}
	ctx := r.Context()
	f := q.filter
	f.Limit = auditPageSize + 1
	var entries []audit.Entry
	if !q.none {
		if entries, err = audit.List(ctx, s.deps.Pool, f); err != nil {
			s.respond(w, r, err)
			return
		}
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		l.OlderURL = q.url(rd.path, nil, auditBefore, strconv.FormatInt(entries[len(entries)-1].ID, 10))
	}
	if f.BeforeID != 0 {
		l.NewestURL = q.url(rd.path, nil)
	}
	names, err := auditview.Resolve(ctx, s.deps.Pool, rd.tenantID, entries)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	for _, line := range auditview.Lines(langOf(ctx), rd.aud, entries, names) {
		l.Rows = append(l.Rows, s.auditRow(p, rd, q, line))
	}
	if rd.staff() {
		if l.Scopes, err = s.auditScopes(r, q); err != nil {
			s.respond(w, r, err)
			return
		}
	}
	s.renderAudit(w, r, http.StatusOK, rd, p, l)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, status int, rd auditReader, p views.Page, l views.AuditLog) {
	if rd.staff() {
		s.render(w, r, status, views.SupportAudit(p, l))
		return
	}
	s.render(w, r, status, views.OwnerAudit(p, l))
}

// auditLog is the page's view without its entries: the filter as typed,
// with the messages of what was refused.
func (s *Server) auditLog(r *http.Request, rd auditReader, q auditQuery) views.AuditLog {
	lang := langOf(r.Context())
	l := views.AuditLog{Staff: rd.staff(), Path: rd.path, Filtered: q.filtered(), Zone: s.cfg.Location.String(),
		Filter: views.Form{Values: q.values}, CSVURL: q.url(rd.path+".csv", nil),
		ExportLimit: groupThousands(audit.MaxExport)}
	for _, c := range auditview.ActionChoices(lang) {
		l.Actions = append(l.Actions, views.AuditChoice{Value: c.Value, Label: c.Label})
	}
	if len(q.errs) > 0 {
		l.Refused = true
		l.Filter.Errors = map[string]string{}
		// The form's message names what was refused: the fields typed, and
		// apart from them the parameters only links carry.
		var typed, linked []string
		for _, p := range auditParams(rd.staff()) {
			key, ok := q.errs[p]
			switch {
			case !ok:
			case auditLinkParam(p):
				linked = append(linked, i18n.T(lang, auditFieldLabel[p]))
			default:
				l.Filter.Errors[p] = i18n.T(lang, key)
				typed = append(typed, i18n.T(lang, auditFieldLabel[p]))
			}
		}
		sep := i18n.T(lang, "audit.text.list_sep")
		var msgs []string
		if len(typed) > 0 {
			msgs = append(msgs, i18n.T(lang, "audit.err.filter", strings.Join(typed, sep)))
		}
		if len(linked) > 0 {
			msgs = append(msgs, i18n.T(lang, "audit.err.link", strings.Join(linked, sep)))
		}
		l.Filter.Error = strings.Join(msgs, " ")
	}
	return l
}

// auditLinkParam says whether only links carry p (no field of the form).
func auditLinkParam(p string) bool { return p == auditTenant || p == auditActorID || p == auditBefore }

// auditFieldLabel names each parameter in the message of a refused filter.
var auditFieldLabel = map[string]string{
	auditTenant: "audit.field.tenant", auditActorID: "audit.field.actor", auditBefore: "audit.field.before",
	auditTenantName: "audit.filter.tenant_name", auditActor: "audit.filter.actor", auditAction: "audit.filter.action",
	auditFrom: "audit.filter.from", auditTo: "audit.filter.to",
}

// auditRow is a line as the page shows it; staff's actors and tenants
// link to their entries only.
func (s *Server) auditRow(p views.Page, rd auditReader, q auditQuery, line auditview.Line) views.AuditRow {
	row := views.AuditRow{At: p.Time(line.At, s.cfg.Location), AtISO: line.At.In(s.cfg.Location).Format(time.RFC3339),
		Actor: line.Actor, Address: line.Address, Tenant: line.Tenant, Text: line.Text, Action: line.Action, Reason: line.Reason}
	if rd.staff() {
		if line.ActorID != 0 {
			row.ActorURL = q.url(rd.path, []string{auditActor}, auditActorID, strconv.FormatInt(line.ActorID, 10))
		}
		if line.TenantID != 0 {
			row.TenantURL = q.url(rd.path, []string{auditTenantName}, auditTenant, strconv.FormatInt(line.TenantID, 10))
		}
	}
	return row
}

// auditScopes say which tenant's or user's entries the staff's links
// narrowed the log to.
func (s *Server) auditScopes(r *http.Request, q auditQuery) ([]views.AuditScope, error) {
	var out []views.AuditScope
	if id := q.filter.TenantID; id != 0 {
		sc := views.AuditScope{ClearURL: q.url(staffAuditReader.path, []string{auditTenant}),
			PageURL: views.SupportTenantURL(id), PageText: text(r, "audit.scope.tenant_page")}
		t, err := s.deps.Tenancy.GetTenant(r.Context(), id)
		switch {
		case err == nil:
			sc.Text = text(r, "audit.scope.tenant", t.Name)
		case apperr.KindOf(err) == apperr.NotFound:
			sc.Text, sc.PageURL = text(r, "audit.scope.tenant_id", id), ""
		default:
			return nil, err
		}
		out = append(out, sc)
	}
	if id := q.linkedActor; id != 0 {
		sc := views.AuditScope{ClearURL: q.url(staffAuditReader.path, []string{auditActorID})}
		u, err := s.deps.Tenancy.User(r.Context(), id)
		switch {
		case err == nil:
			sc.Text = text(r, "audit.scope.actor", u.Email)
		case apperr.KindOf(err) == apperr.NotFound:
			sc.Text = text(r, "audit.scope.actor_id", id)
		default:
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// groupThousands writes n with thousands separators: 100,000.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
