package portal

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// smaregiTerminals lists the contract's registers to pick cameras for.
func (s *Server) smaregiTerminals(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "connID")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderSmaregiTerminals(w, r, http.StatusOK, id, views.Form{}, views.Form{})
}

// smaregiBind makes a register feed a camera: a row's 追加 or 更新, or the
// 端末IDを入力して追加 form (typed=1), whose errors it shows on that form.
func (s *Server) smaregiBind(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "connID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.smaregiParseForm(w, r) {
		return
	}
	cameraID, _ := link.ParseID(r.PostForm.Get("camera_id"))
	in := smaregilink.BindInput{StoreID: r.PostForm.Get("store_id"), TerminalID: r.PostForm.Get("terminal_id"), CameraID: cameraID}
	tenantID := currentUser(r.Context()).TenantID
	row, err := s.deps.Smaregi.Bind(r.Context(), smaregiActor(r), tenantID, id, in)
	lang := langOf(r.Context())
	if err != nil {
		var bind, typed views.Form
		f := &bind
		if r.PostForm.Get("typed") != "" {
			typed.Values = map[string]string{"store_id": in.StoreID, "terminal_id": in.TerminalID, "camera_id": r.PostForm.Get("camera_id")}
			f = &typed
		}
		status, ok := smaregiFormError(lang, f, err)
		if !ok || status == http.StatusNotFound {
			s.fail(w, r, err)
			return
		}
		if f == &bind {
			// A row has no fields to put the messages on: they join the
			// page's message.
			for _, k := range slices.Sorted(maps.Keys(bind.Errors)) {
				bind.Error += " " + bind.Errors[k]
			}
		}
		s.renderSmaregiTerminals(w, r, status, id, bind, typed)
		return
	}
	camName := ""
	if c, err := s.deps.Tenancy.Camera(r.Context(), tenantID, row.CameraID); err == nil {
		camName = c.Name
	}
	s.smaregiDone(w, r, smaregiPath(id, ""), i18n.T(lang, "flash.smaregi_bound", row.StoreName, row.TerminalID, camName))
}

// renderSmaregiTerminals shows the terminal page; the forms carry a
// refused bind's messages.
func (s *Server) renderSmaregiTerminals(w http.ResponseWriter, r *http.Request, status int, id int64, bind, typed views.Form) {
	tenantID := currentUser(r.Context()).TenantID
	ts, err := s.deps.Smaregi.Terminals(r.Context(), tenantID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(r.Context(), tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	lang := langOf(r.Context())
	v := views.SmaregiTerminals{
		Link:   s.smaregiLinkView(lang, smaregilink.Link{Conn: ts.Conn, Phase: ts.Phase}, nil),
		Source: string(ts.Source), Bind: bind, Typed: typed,
		Cameras: smaregiCameraChoices(lang, cams, ts.Rows, s.deps.Tenancy.Today()),
	}
	if ts.Problem != nil {
		var pf views.Form
		if _, ok := smaregiFormError(lang, &pf, ts.Problem); ok && pf.Error != bind.Error && pf.Error != typed.Error {
			v.Problem = pf.Error
		}
	}
	for _, st := range ts.Stores {
		v.Stores = append(v.Stores, views.SmaregiStore{ID: st.ID, Name: st.Name})
	}
	for _, row := range ts.Rows {
		v.Rows = append(v.Rows, views.SmaregiTerminalRow{StoreID: row.StoreID, StoreName: smaregiStoreName(lang, row.Key(), row.StoreName),
			TerminalID: row.TerminalID, TerminalName: row.TerminalName, CameraID: row.CameraID,
			Listed: row.Listed, Stopped: row.Stopped})
	}
	s.render(w, r, status, views.SmaregiTerminalPage(s.page(r, "smaregi.terms.title", ts.Conn.ExternalID), v))
}

// smaregiCameraChoices are the cameras a register may feed today, and the
// cameras registers feed that no longer may (shown, marked, so a row keeps
// showing its camera).
func smaregiCameraChoices(lang i18n.Lang, cams []tenancy.Camera, rows []smaregilink.TerminalRow, today time.Time) []views.SmaregiCamera {
	bound := map[int64]bool{}
	for _, r := range rows {
		bound[r.CameraID] = true
	}
	var out []views.SmaregiCamera
	for _, c := range cams {
		usable := c.POSStateOn(today) == tenancy.POSUsable
		if !usable && !bound[c.ID] {
			continue
		}
		label := smaregiCameraLabel(lang, c)
		if !usable {
			label = i18n.T(lang, "smaregi.terms.camera_off", label)
		}
		out = append(out, views.SmaregiCamera{ID: c.ID, Label: label, Usable: usable})
	}
	return out
}
