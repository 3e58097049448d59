package portal

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/a-h/templ"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// renderUbiregi shows the Ubiregi連携設定 page with status; ref, when not
// nil, is a refused form whose message it shows.
func (s *Server) renderUbiregi(w http.ResponseWriter, r *http.Request, status int, ref *ubiregiRefusal) {
	ctx := r.Context()
	tenantID := currentUser(ctx).TenantID
	accts, err := s.deps.Ubiregi.Accounts(ctx, tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(ctx, tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	usable, err := s.deps.Links.UsableCameras(ctx, tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, "ubiregi.title")
	v := views.UbiregiSettings{Cameras: make([]views.UbiregiCameraOption, len(usable))}
	for i, c := range usable {
		v.Cameras[i] = ubiregiCameraOption(c)
	}
	names := make(map[int64]string, len(cams))
	for _, c := range cams {
		names[c.ID] = ubiregiCameraOption(c).Label
	}
	rowError := false
	for _, a := range accts {
		va := s.ubiregiAccountView(r, a, names)
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

// ubiregiCameraOption labels a camera as the manuals' list does:
// name (model : device ID).
func ubiregiCameraOption(c tenancy.Camera) views.UbiregiCameraOption {
	label := c.Name + " (" + c.DeviceID + ")"
	if c.Model != "" {
		label = c.Name + " (" + c.Model + " : " + c.DeviceID + ")"
	}
	return views.UbiregiCameraOption{ID: c.ID, Label: label}
}

// ubiregiAccountView makes the rows of an account: its devices as Ubiregi
// lists them, each with the camera it feeds, then the saved links of
// terminals Ubiregi no longer lists (or all of them, when it could not be
// asked), so that they can still be seen and deleted.
func (s *Server) ubiregiAccountView(r *http.Request, a ubiregilink.Account, cameraNames map[int64]string) views.UbiregiAccount {
	c := a.Connection
	v := views.UbiregiAccount{ConnID: c.ID, ContractID: c.ExternalID, Name: c.Name, Reauth: a.ReauthRequired()}
	if a.Err != nil && !v.Reauth {
		v.Problem = s.ubiregiProblem(r, a.Err)
	}
	bound := make(map[string]link.Binding, len(a.Bindings))
	for _, b := range a.Bindings {
		bound[b.Terminal.Key] = b
	}
	for _, t := range a.Terminals {
		row := views.UbiregiRow{Key: t.Key, Name: t.Name, Listed: true}
		if b, ok := bound[t.Key]; ok {
			row.CameraID, row.CameraLabel = b.CameraID, cameraNames[b.CameraID]
			delete(bound, t.Key)
		}
		v.Rows = append(v.Rows, row)
	}
	var rest []views.UbiregiRow
	for _, b := range bound {
		rest = append(rest, views.UbiregiRow{Key: b.Terminal.Key, Name: b.Terminal.Name, CameraID: b.CameraID,
			CameraLabel: cameraNames[b.CameraID], Missing: a.Err == nil})
	}
	slices.SortFunc(rest, func(x, y views.UbiregiRow) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Key, y.Key))
	})
	v.Rows = append(v.Rows, rest...)
	return v
}

// ubiregiProblem is the message for terminals Ubiregi could not list; a
// failure of poslink itself is logged and shown with the request ID.
func (s *Server) ubiregiProblem(r *http.Request, err error) string {
	lang := langOf(r.Context())
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		s.logger(r.Context()).Warn("ubiregi terminals not listed", "reason", e.Key, "err", err)
		return i18n.T(lang, e.Key, e.Args...)
	}
	s.logger(r.Context()).Error("ubiregi terminals not listed", "err", err)
	id, _ := r.Context().Value(ctxRequestID).(string)
	return i18n.T(lang, "err.internal", id)
}

// ubiregiUnbindView is the confirmation of deleting the links of the chosen
// terminals: those of them that feed a camera on the connection.
func (s *Server) ubiregiUnbindView(r *http.Request, c link.Connection, keys []string) (views.UbiregiUnbind, error) {
	v := views.UbiregiUnbind{ConnID: c.ID, ContractID: c.ExternalID}
	bs, err := s.deps.Links.Bindings(r.Context(), c.TenantID, c.ID)
	if err != nil {
		return v, err
	}
	cams, err := s.deps.Tenancy.Cameras(r.Context(), c.TenantID)
	if err != nil {
		return v, err
	}
	names := make(map[int64]string, len(cams))
	for _, cam := range cams {
		names[cam.ID] = ubiregiCameraOption(cam).Label
	}
	for _, b := range bs {
		if slices.Contains(keys, b.Terminal.Key) {
			v.Rows = append(v.Rows, views.UbiregiUnbindRow{Key: b.Terminal.Key, Name: b.Terminal.Name, Camera: names[b.CameraID]})
		}
	}
	if len(v.Rows) == 0 {
		return v, ubiregilink.ErrNothingToUnbind
	}
	return v, nil
}

func ubiregiUnlinkPage(p views.Page, c link.Connection, bindings int) templ.Component {
	return views.UbiregiUnlinkPage(p, views.UbiregiUnlink{ConnID: c.ID, ContractID: c.ExternalID, Name: c.Name, Bindings: bindings})
}
