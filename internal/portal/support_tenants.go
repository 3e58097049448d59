package portal

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/support"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportTenantLimit is how many tenants the list shows; beyond it staff
// search. One more is fetched to know whether there are more.
const supportTenantLimit = 200

// supportSearchLimit is how many matches a search shows, the best first.
const supportSearchLimit = 50

// supportTenantList is the staff's テナント一覧 with its search box.
func (s *Server) supportTenantList(w http.ResponseWriter, r *http.Request) {
	s.renderTenantList(w, r, http.StatusOK, views.Form{})
}

// renderTenantList shows the tenants, or what the search box found across
// them: a tenant's name, an owner's e-mail, a 契約ID or account ID, a
// 端末ID or name, a camera's device ID. A query that cannot be searched
// is shown with its message over the tenants.
func (s *Server) renderTenantList(w http.ResponseWriter, r *http.Request, status int, add views.Form) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	l := views.TenantList{Query: q, Limit: supportTenantLimit, Add: add}
	if q == "" {
		s.renderTenants(w, r, status, l)
		return
	}
	res, err := support.Find(r.Context(), s.deps.Pool, q, supportSearchLimit)
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) {
			l.SearchError = cmp.Or(a.Fields[support.FieldQuery], a.Message)
			s.renderTenants(w, r, a.Status, l)
		})
		return
	}
	l.Search = s.searchResults(r, res)
	s.render(w, r, status, views.SupportTenants(s.page(r, "support.tenants.title"), l))
}

// renderTenants shows l with the newest tenants listed.
func (s *Server) renderTenants(w http.ResponseWriter, r *http.Request, status int, l views.TenantList) {
	tenants, err := s.deps.Tenancy.ListTenants(r.Context(), "", supportTenantLimit+1)
	if err != nil {
		s.respond(w, r, err)
		return
	}
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

// searchResults are a search's matches in the page's words, each with
// where to see it: an account's or a terminal's link on the tenant's POS
// links page, a camera's page, the tenant's page.
func (s *Server) searchResults(r *http.Request, res support.Result) *views.SearchResults {
	out := &views.SearchResults{Truncated: res.Truncated, Limit: supportSearchLimit}
	for _, m := range res.Matches {
		v := views.SearchMatch{Kind: text(r, "support.search.kind."+string(m.Kind)), Value: m.Value,
			Exact: m.Closeness == support.Exact, TenantID: m.TenantID, TenantName: m.TenantName,
			Href: views.SupportTenantURL(m.TenantID), Go: text(r, "support.search.go.tenant")}
		provider := text(r, "support.links."+m.Provider)
		links, linksGo := views.SupportLinksURL(m.TenantID), text(r, "support.search.go.links")
		switch m.Kind {
		case support.OwnerEmail:
			v.Href += "#owners"
		case support.Account:
			v.Kind, v.Detail = text(r, "support.search.kind.account."+m.Provider), provider
			v.Href, v.Go = links, linksGo
		case support.Terminal:
			v.Detail = text(r, "support.search.detail.terminal", provider, m.Account, m.TerminalLabel)
			v.Href, v.Go = links, linksGo
		case support.TerminalName:
			v.Detail = text(r, "support.search.detail.terminal_name", provider, m.Account, m.TerminalKey)
			v.Href, v.Go = links, linksGo
		case support.Camera:
			v.Detail = text(r, "support.search.detail.camera", m.CameraName)
			v.Href, v.Go = views.SupportCameraURL(m.TenantID, m.CameraID), text(r, "support.search.go.camera")
		}
		out.Matches = append(out.Matches, v)
	}
	return out
}

// tenantForms are the tenant page's forms when one of them was refused;
// nil ones are shown empty (the rename form with the current name).
type tenantForms struct {
	rename, owner, camera *views.Form
	// password is the refused パスワード再設定 form of the owner passwordUser.
	password     *views.Form
	passwordUser int64
	// requeue is the refused 今すぐ取得 form of the connection requeueConn.
	requeue     *views.Form
	requeueConn int64
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
	if d.Links, err = s.tenantLinkRows(r, t.ID, forms); err != nil {
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
func (s *Server) tenantLinkRows(r *http.Request, tenantID int64, forms tenantForms) ([]views.TenantLinkRow, error) {
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
			row := views.TenantLinkRow{ID: c.ID, Provider: text(r, "support.links."+string(p)), Account: c.ExternalID,
				Name: cmp.Or(c.Name, c.Memo), Poll: s.pollStatusView(r, st, ok),
				// A link that waits for its owner (要再認証, 要更新) or has no
				// bound terminal is not polled: nothing to fetch now.
				CanRequeue: ok && (st.State == poller.StateError || st.State == poller.StateActive && st.Polled)}
			if forms.requeue != nil && forms.requeueConn == c.ID {
				row.Requeue = *forms.requeue
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// supportRequeue is 今すぐ取得 on a link row of the tenant's page: after an
// error, staff make the poller visit the connection at once, giving the
// reason. Another tenant's connection under this tenant's URL is not found.
func (s *Server) supportRequeue(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return
	}
	connID, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	a.Reason = r.PostForm.Get(poller.FieldReason)
	res, err := poller.Requeue(r.Context(), s.deps.Pool, a, t.ID, connID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			s.respond(w, r, err)
			return
		}
		f := views.Form{Values: map[string]string{poller.FieldReason: a.Reason}}
		s.respondForm(w, r, err, func(an httpx.Answer) {
			f = withAnswer(f, an)
			s.renderTenantDetail(w, r, an.Status, t, tenantForms{requeue: &f, requeueConn: connID})
		})
		return
	}
	key, kind := "requeue.done", flashOK
	if res.Already {
		key, kind = "requeue.already", flashInfo
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#links", kind,
		text(r, key, text(r, "support.links."+string(res.Provider)), res.Account))
}
