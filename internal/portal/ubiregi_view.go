package portal

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/web/views"
)

// renderUbiregi shows the Ubiregi連携設定 page with status; ref, when not
// nil, is a refused form whose message it shows.
func (s *Server) renderUbiregi(w http.ResponseWriter, r *http.Request, status int, ref *ubiregiRefusal) {
	ctx := r.Context()
	tenantID := currentUser(ctx).TenantID
	accts, err := s.deps.Ubiregi.Accounts(ctx, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(ctx, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	usable, err := s.deps.Links.UsableCameras(ctx, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	polls, err := s.pollStatuses(r, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	p := s.page(r, "ubiregi.title")
	v := views.UbiregiSettings{Cameras: make([]views.UbiregiCameraOption, len(usable))}
	for i, c := range usable {
		v.Cameras[i] = views.UbiregiCameraOption{ID: c.ID, Label: cameraLabel(c)}
	}
	labels := cameraLabels(cams)
	rowError := false
	for _, a := range accts {
		va := s.ubiregiAccountView(r, a, labels)
		st, ok := polls[a.Connection.ID]
		va.Poll = s.pollStatusView(r, st, ok)
		if ref != nil && ref.connID == a.Connection.ID && ref.terminal != "" {
			for i := range va.Rows {
				if va.Rows[i].Key == ref.terminal && va.Rows[i].Listed {
					va.Rows[i].Error, va.Rows[i].Choice, rowError = ref.message, ref.camera, true
				}
			}
		}
		v.Accounts = append(v.Accounts, va)
	}
	if ref != nil && !rowError {
		v.Error = ref.message
	}
	s.render(w, r, status, views.UbiregiSettingsPage(p, v))
}

// ubiregiAccountView makes the rows of an account: its devices as Ubiregi
// lists them, each with the camera it feeds, then the saved links of
// terminals Ubiregi no longer lists (or all of them, when it could not be
// asked), so that they can still be seen and deleted.
func (s *Server) ubiregiAccountView(r *http.Request, a ubiregilink.Account, cameraLabels map[int64]string) views.UbiregiAccount {
	c := a.Connection
	v := views.UbiregiAccount{ConnID: c.ID, ContractID: c.ExternalID, Name: c.Name, Reauth: a.ReauthRequired()}
	if a.Err != nil && !v.Reauth {
		// Why the terminals could not be listed; the page is shown anyway.
		v.Problem = s.answers.Explain(r, a.Err).Message
	}
	bound := make(map[string]link.Binding, len(a.Bindings))
	for _, b := range a.Bindings {
		bound[b.Terminal.Key] = b
	}
	for _, t := range a.Terminals {
		row := views.UbiregiRow{Key: t.Key, Name: t.Name, Listed: true}
		if b, ok := bound[t.Key]; ok {
			row.CameraID, row.CameraLabel, row.BindingID = b.CameraID, cameraLabels[b.CameraID], b.ID
			delete(bound, t.Key)
		}
		v.Rows = append(v.Rows, row)
	}
	var rest []views.UbiregiRow
	for _, b := range bound {
		rest = append(rest, views.UbiregiRow{Key: b.Terminal.Key, Name: b.Terminal.Name, CameraID: b.CameraID, BindingID: b.ID,
			CameraLabel: cameraLabels[b.CameraID], Missing: a.Err == nil})
	}
	slices.SortFunc(rest, func(x, y views.UbiregiRow) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Key, y.Key))
	})
	v.Rows = append(v.Rows, rest...)
	return v
}

// ubiregiUnbindView is the confirmation of deleting the links of the chosen
// terminals: those of them that feed a camera on the connection.
func (s *Server) ubiregiUnbindView(r *http.Request, c link.Connection, keys []string) (views.DeleteConfirm, error) {
	v := views.DeleteConfirm{
		Lead: text(r, "ubiregi.unbind_lead"),
		Columns: []string{text(r, "ubiregi.col_contract"), text(r, "ubiregi.col_terminal"), text(r, "ubiregi.col_name"),
			text(r, "ubiregi.col_camera")},
		Notes:  []string{text(r, "ubiregi.delete_note"), text(r, "ubiregi.support_note")},
		Action: views.UbiregiURL(c.ID, "unbind"), Submit: text(r, "ubiregi.unbind_submit"),
		CancelURL: views.UbiregiAccountURL(c.ID), Cancel: text(r, "ubiregi.cancel"),
	}
	bs, err := s.deps.Links.Bindings(r.Context(), c.TenantID, c.ID)
	if err != nil {
		return v, err
	}
	labels, err := s.cameraLabelsOf(r, c.TenantID)
	if err != nil {
		return v, err
	}
	for _, b := range bs {
		if slices.Contains(keys, b.Terminal.Key) {
			v.Rows = append(v.Rows, []views.Cell{{Text: c.ExternalID, Mono: true}, {Text: b.Terminal.Key, Mono: true},
				{Text: b.Terminal.Name}, {Text: labels[b.CameraID]}})
			v.Bindings = append(v.Bindings, b.ID)
		}
	}
	if len(v.Rows) == 0 {
		return v, ubiregilink.ErrNothingToUnbind
	}
	return v, nil
}
