package portal

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// smaregiTerminals lists the contract's registers to pick cameras for.
func (s *Server) smaregiTerminals(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "connID")
	if !ok {
		return
	}
	s.renderSmaregiTerminals(w, r, http.StatusOK, id, views.Form{}, views.Form{})
}

// smaregiBind makes a register feed a camera: a row's 追加 or 更新, or the
// 端末IDを入力して追加 form (typed=1), whose errors it shows on that form.
func (s *Server) smaregiBind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return
	}
	cameraID, _ := link.ParseID(r.PostForm.Get("camera_id"))
	in := smaregilink.BindInput{StoreID: r.PostForm.Get("store_id"), TerminalID: r.PostForm.Get("terminal_id"), CameraID: cameraID}
	typed := r.PostForm.Get("typed") != ""
	tenantID := currentUser(r.Context()).TenantID
	// A row carries the binding its page showed; a register added by its
	// ID is one the owner takes to feed no camera yet.
	var row smaregilink.TerminalRow
	var err error
	if !typed {
		in.Seen, err = seenBinding(r)
	}
	if err == nil {
		row, err = s.deps.Smaregi.Bind(r.Context(), actor(r), tenantID, id, in)
	}
	if typed && errors.Is(err, link.ErrChanged) {
		err = errSmaregiTypedBound
	}
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) {
			if typed {
				typed := views.Form{Values: map[string]string{"store_id": in.StoreID, "terminal_id": in.TerminalID,
					"camera_id": r.PostForm.Get("camera_id")}}
				s.renderSmaregiTerminals(w, r, a.Status, id, views.Form{}, withAnswer(typed, a))
				return
			}
			// A row has no fields to put the messages on: they join the
			// page's message.
			bind := views.Form{Error: a.Message}
			for _, k := range slices.Sorted(maps.Keys(a.Fields)) {
				bind.Error += " " + a.Fields[k]
			}
			s.renderSmaregiTerminals(w, r, a.Status, id, bind, views.Form{})
		})
		return
	}
	camName := ""
	if c, err := s.deps.Tenancy.Camera(r.Context(), tenantID, row.CameraID); err == nil {
		camName = c.Name
	}
	s.redirectFlash(w, r, views.SmaregiURL(id, ""), flashOK, text(r, "flash.smaregi_bound", row.StoreName, row.TerminalID, camName))
}

// errSmaregiTypedBound refuses adding by its ID a register that feeds
// another camera already: its row on the page is where it is changed.
var errSmaregiTypedBound = apperr.New(apperr.Conflict, "smaregi.err.typed_bound")

// renderSmaregiTerminals shows the terminal page; the forms carry a
// refused bind's messages.
func (s *Server) renderSmaregiTerminals(w http.ResponseWriter, r *http.Request, status int, id int64, bind, typed views.Form) {
	tenantID := currentUser(r.Context()).TenantID
	ts, err := s.deps.Smaregi.Terminals(r.Context(), tenantID, id)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(r.Context(), tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	polls, err := s.pollStatuses(r, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	lang := langOf(r.Context())
	v := views.SmaregiTerminals{
		Link:   s.smaregiLinkView(r, smaregilink.Link{Conn: ts.Conn, Phase: ts.Phase}, nil),
		Source: string(ts.Source), Bind: bind, Typed: typed,
		Cameras: smaregiCameraChoices(lang, cams, ts.Rows, s.deps.Tenancy.Today()),
	}
	st, ok := polls[ts.Conn.ID]
	v.Link.Poll, v.Link.Refused = s.pollStatusView(r, st, ok), ts.Refused
	if ts.Problem != nil {
		// Why Smaregi could not list the registers; the page is shown
		// anyway, without the message twice when a refused form or the
		// last poll's error says it.
		if msg := s.answers.Explain(r, ts.Problem).Message; msg != bind.Error && msg != typed.Error &&
			(msg != v.Link.Poll.Error || v.Link.Poll.ErrorResolved) {
			v.Problem = msg
		}
	}
	for _, st := range ts.Stores {
		v.Stores = append(v.Stores, views.SmaregiStore{ID: st.ID, Name: st.Name})
	}
	for _, row := range ts.Rows {
		v.Rows = append(v.Rows, views.SmaregiTerminalRow{StoreID: row.StoreID, StoreName: smaregiStoreName(lang, row.Key(), row.StoreName),
			TerminalID: row.TerminalID, TerminalName: row.TerminalName, CameraID: row.CameraID, BindingID: row.BindingID,
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
		label := cameraLabel(c)
		if !usable {
			label = i18n.T(lang, "smaregi.terms.camera_off", label)
		}
		out = append(out, views.SmaregiCamera{ID: c.ID, Label: label, Usable: usable})
	}
	return out
}
