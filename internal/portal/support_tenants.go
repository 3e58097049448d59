package portal

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportTenantLimit is how many tenants the list shows; beyond it staff
// search. One more is fetched to know whether there are more.
const supportTenantLimit = 200

// supportTenantList is the staff's テナント一覧 with its search box.
func (s *Server) supportTenantList(w http.ResponseWriter, r *http.Request) {
	s.renderTenantList(w, r, http.StatusOK, views.Form{})
}

func (s *Server) renderTenantList(w http.ResponseWriter, r *http.Request, status int, add views.Form) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	tenants, err := s.deps.Tenancy.ListTenants(r.Context(), q, supportTenantLimit+1)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	l := views.TenantList{Query: q, Limit: supportTenantLimit, Add: add}
	if len(tenants) > supportTenantLimit {
		tenants, l.Truncated = tenants[:supportTenantLimit], true
	}
	for _, t := range tenants {
		l.Rows = append(l.Rows, views.TenantRow{ID: t.ID, Name: t.Name, Owners: t.OwnerCount,
			Cameras: t.CameraCount, Created: t.CreatedAt.In(s.cfg.Location)})
	}
	s.render(w, r, status, views.SupportTenants(s.page(r, "support.tenants.title"), l))
}

// supportTenantCreate is テナントを追加; the new tenant's page comes next,
// where its owners and cameras are added.
func (s *Server) supportTenantCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	t, err := s.deps.Tenancy.CreateTenant(r.Context(), actor(r), tenancy.TenantInput{Name: name})
	if err != nil {
		f := views.Form{Values: map[string]string{"name": name}}
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderTenantList(w, r, a.Status, f)
		})
		return
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID), flashOK, text(r, "flash.tenant_created", t.Name))
}

func (s *Server) supportTenantDetail(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return
	}
	s.renderTenantDetail(w, r, http.StatusOK, t, tenantForms{})
}

// supportTenantRename is テナント名の変更.
func (s *Server) supportTenantRename(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	err := s.deps.Tenancy.RenameTenant(r.Context(), actor(r), t.ID, tenancy.TenantInput{Name: name})
	if err != nil {
		f := views.Form{Values: map[string]string{"name": name}}
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderTenantDetail(w, r, a.Status, t, tenantForms{rename: &f})
		})
		return
	}
	// The store saved the name trimmed; it was valid, so trimming is all.
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID), flashOK, text(r, "flash.tenant_renamed", strings.TrimSpace(name)))
}

// tenantForms are the tenant page's forms when one of them was refused;
// nil ones are shown empty (the rename form with the current name).
type tenantForms struct {
	rename, owner, camera *views.Form
	// password is the refused パスワード再設定 form of the owner passwordUser.
	password     *views.Form
	passwordUser int64
}

// renderTenantDetail shows a tenant's page, with the refused form, if any,
// carrying what was typed and what was wrong.
func (s *Server) renderTenantDetail(w http.ResponseWriter, r *http.Request, status int, t tenancy.Tenant, forms tenantForms) {
	owners, err := s.deps.Tenancy.Owners(r.Context(), t.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(r.Context(), t.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	d := views.TenantDetail{ID: t.ID, Name: t.Name, Created: t.CreatedAt.In(s.cfg.Location),
		Rename:    supportFormOr(forms.rename, views.Form{Values: map[string]string{"name": t.Name}}),
		AddOwner:  supportFormOr(forms.owner, views.Form{}),
		AddCamera: supportFormOr(forms.camera, views.Form{})}
	for _, o := range owners {
		row := views.OwnerRow{ID: o.ID, Email: o.Email, Name: o.DisplayName, Disabled: o.Disabled}
		if forms.password != nil && forms.passwordUser == o.ID {
			row.Password = *forms.password
		}
		d.Owners = append(d.Owners, row)
	}
	for _, c := range cams {
		d.Cameras = append(d.Cameras, s.cameraRow(c))
	}
	if d.Links, err = s.tenantLinkRows(r, t.ID); err != nil {
		s.respond(w, r, err)
		return
	}
	s.render(w, r, status, views.SupportTenant(s.page(r, "support.tenant.title", t.Name), d))
}

func supportFormOr(f *views.Form, fallback views.Form) views.Form {
	if f != nil {
		return *f
	}
	return fallback
}

// tenantLinkRows are the tenant's POS links, Ubiregi's first, each with how
// the polling of its sales stands.
func (s *Server) tenantLinkRows(r *http.Request, tenantID int64) ([]views.TenantLinkRow, error) {
	polls, err := s.pollStatuses(r, tenantID)
	if err != nil {
		return nil, err
	}
	var rows []views.TenantLinkRow
	for _, p := range []link.Provider{link.Ubiregi, link.Smaregi} {
		conns, err := s.deps.Links.Connections(r.Context(), tenantID, p)
		if err != nil {
			return nil, err
		}
		for _, c := range conns {
			st, ok := polls[c.ID]
			rows = append(rows, views.TenantLinkRow{Provider: text(r, "support.links."+string(p)), Account: c.ExternalID,
				Name: cmp.Or(c.Name, c.Memo), Poll: s.pollStatusView(r, st, ok)})
		}
	}
	return rows, nil
}
