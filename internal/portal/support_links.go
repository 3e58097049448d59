package portal

import (
	"cmp"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportLinkRoutes are a tenant's links for staff: the owner's overview,
// and the changes staff make on the tenant's behalf, each with a reason.
// Every connection and binding is looked up within the tenant of the URL:
// another tenant's is 404.
func (s *Server) supportLinkRoutes(r chi.Router) {
	r.Get("/links", s.supportLinks)
	r.Post("/links/{connID}/rebind", s.supportLinkRebind)
	r.Post("/links/{connID}/unbind", s.supportLinkUnbind)
	r.Post("/links/{connID}/delete", s.supportLinkDelete)
}

func (s *Server) supportLinks(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return
	}
	s.renderSupportLinks(w, r, http.StatusOK, t, views.LinkRefusal{})
}

// renderSupportLinks shows the tenant's links as they stand, with a
// refused change's message.
func (s *Server) renderSupportLinks(w http.ResponseWriter, r *http.Request, status int, t tenancy.Tenant, refused views.LinkRefusal) {
	rows, linked, err := s.linkRows(r, t.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	usable, err := s.deps.Links.UsableCameras(r.Context(), t.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	staff := &views.LinksStaff{TenantID: t.ID, TenantName: t.Name, Refused: refused}
	for _, c := range usable {
		staff.Cameras = append(staff.Cameras, views.LinkCamera{ID: c.ID, Label: cameraLabel(c)})
	}
	for _, l := range linked {
		a := views.LinkAccount{ConnID: l.Conn.ID, ProviderLabel: text(r, "links.provider."+string(l.Conn.Provider)),
			Account: l.Conn.ExternalID, Name: cmp.Or(l.Conn.Name, l.Conn.Memo)}
		for _, b := range l.Bindings {
			a.Bindings = append(a.Bindings, b.ID)
		}
		staff.Accounts = append(staff.Accounts, a)
	}
	v := views.LinksOverview{Rows: rows, Staff: staff}
	s.render(w, r, status, views.SupportLinksPage(s.page(r, "support.links.manage_title", t.Name), v))
}

// supportLinkChange is a staff change's request: the tenant and the
// connection of the URL, and the actor with the reason of the form.
type supportLinkChange struct {
	tenant tenancy.Tenant
	connID int64
	actor  audit.Actor
	// refusal is where a refused change's message goes, with what was
	// sent.
	refusal views.LinkRefusal
}

// supportLinkRequest reads a staff change of a binding's row (ofRow) or of
// a whole account; when it answers false it has already answered (404 for
// an unknown tenant or a bad ID, the page with the message for a missing
// reason).
func (s *Server) supportLinkRequest(w http.ResponseWriter, r *http.Request, ofRow bool) (supportLinkChange, bool) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return supportLinkChange{}, false
	}
	connID, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return supportLinkChange{}, false
	}
	// A refused change's message goes to the row of the binding it names,
	// or to the account's 連携解除.
	c := supportLinkChange{tenant: t, connID: connID, refusal: views.LinkRefusal{Reason: r.PostForm.Get("reason")}}
	if ofRow {
		c.refusal.BindingID, _ = seenBinding(r)
		c.refusal.CameraID, _ = link.ParseID(r.PostForm.Get("camera"))
	} else {
		c.refusal.ConnID = connID
	}
	var err error
	if c.actor, err = link.OnBehalf(actor(r), r.PostForm.Get("reason")); err != nil {
		s.supportLinkRefused(w, r, c, err)
		return supportLinkChange{}, false
	}
	return c, true
}

// supportLinkRefused shows the tenant's links as they stand now with the
// message of a refused change, at its row when it has one.
func (s *Server) supportLinkRefused(w http.ResponseWriter, r *http.Request, c supportLinkChange, err error) {
	s.respondForm(w, r, err, func(a httpx.Answer) {
		c.refusal.Message = a.Message
		s.renderSupportLinks(w, r, a.Status, c.tenant, c.refusal)
	})
}

// supportLinkRebind is 再連携: the terminal of the binding shown feeds the
// chosen camera from now on.
func (s *Server) supportLinkRebind(w http.ResponseWriter, r *http.Request) {
	c, ok := s.supportLinkRequest(w, r, true)
	if !ok {
		return
	}
	bindingID, err := seenBinding(r)
	cameraID, camOK := link.ParseID(r.PostForm.Get("camera"))
	switch {
	case err == nil && bindingID == link.NotBound:
		err = errSeenInvalid
	case err == nil && !camOK:
		err = apperr.New(apperr.Invalid, "links.err.camera")
	}
	var t link.Terminal
	if err == nil {
		t, err = s.deps.Links.Rebind(r.Context(), c.actor, c.tenant.ID, c.connID, bindingID, cameraID)
	}
	if err != nil {
		s.supportLinkRefused(w, r, c, err)
		return
	}
	camera := ""
	if cam, err := s.deps.Tenancy.Camera(r.Context(), c.tenant.ID, cameraID); err == nil {
		camera = cam.Name
	}
	s.redirectFlash(w, r, views.SupportLinksURL(c.tenant.ID), flashOK, text(r, "flash.support_rebound", cmp.Or(t.Name, t.Key), camera))
}

// supportLinkUnbind is 削除 of a terminal's link: the binding shown ends.
func (s *Server) supportLinkUnbind(w http.ResponseWriter, r *http.Request) {
	c, ok := s.supportLinkRequest(w, r, true)
	if !ok {
		return
	}
	bindingID, err := seenBinding(r)
	if err == nil && bindingID == link.NotBound {
		err = errSeenInvalid
	}
	if err == nil {
		_, err = s.deps.Links.Unbind(r.Context(), c.actor, c.tenant.ID, c.connID, []int64{bindingID})
	}
	if err != nil {
		s.supportLinkRefused(w, r, c, err)
		return
	}
	s.redirectFlash(w, r, views.SupportLinksURL(c.tenant.ID), flashOK, text(r, "flash.support_unbound"))
}

// supportLinkDelete is 連携解除 of an account: its credentials go and the
// bindings shown end; the transactions stay.
func (s *Server) supportLinkDelete(w http.ResponseWriter, r *http.Request) {
	c, ok := s.supportLinkRequest(w, r, false)
	if !ok {
		return
	}
	conn, err := s.deps.Links.Connection(r.Context(), c.tenant.ID, c.connID)
	var seen []int64
	if err == nil {
		seen, err = seenBindings(r)
	}
	if err == nil {
		err = s.deps.Links.Delete(r.Context(), c.actor, c.tenant.ID, c.connID, seen)
	}
	if err != nil {
		s.supportLinkRefused(w, r, c, err)
		return
	}
	s.redirectFlash(w, r, views.SupportLinksURL(c.tenant.ID), flashOK,
		text(r, "flash.support_unlinked", text(r, "links.provider."+string(conn.Provider)), conn.ExternalID))
}
