package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// supportPOSLeadDays is how many days after the order the POS option becomes
// usable by default: the manuals allow linking from the fourth day after
// ordering, counting the order day as the first.
const supportPOSLeadDays = 3

func supportCameraInput(r *http.Request) tenancy.CameraInput {
	return tenancy.CameraInput{DeviceID: r.PostForm.Get("device_id"), Name: r.PostForm.Get("name"),
		Model: r.PostForm.Get("model")}
}

func supportCameraForm(in tenancy.CameraInput) views.Form {
	return views.Form{Values: map[string]string{"device_id": in.DeviceID, "name": in.Name, "model": in.Model}}
}

// supportCameraCreate is カメラを追加, with the POS option off until staff
// switch it on.
func (s *Server) supportCameraCreate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.supportTenant(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	in := supportCameraInput(r)
	c, err := s.deps.Tenancy.CreateCamera(r.Context(), actor(r), t.ID, in)
	if err != nil {
		f := supportCameraForm(in)
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderTenantDetail(w, r, a.Status, t, tenantForms{camera: &f})
		})
		return
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#cameras", flashOK, text(r, "flash.camera_created", c.Name))
}

// supportCamera loads the tenant and the camera named in the URL; a camera
// of another tenant is not found. When it answers false it has already
// answered the request.
func (s *Server) supportCamera(w http.ResponseWriter, r *http.Request) (tenancy.Tenant, tenancy.Camera, bool) {
	t, ok := s.supportTenant(w, r)
	if !ok {
		return t, tenancy.Camera{}, false
	}
	id, ok := s.pathID(w, r, "cameraID")
	if !ok {
		return t, tenancy.Camera{}, false
	}
	c, err := s.deps.Tenancy.Camera(r.Context(), t.ID, id)
	if err != nil {
		s.respond(w, r, err)
		return t, c, false
	}
	return t, c, true
}

func (s *Server) supportCameraPage(w http.ResponseWriter, r *http.Request) {
	t, c, ok := s.supportCamera(w, r)
	if !ok {
		return
	}
	s.renderCameraEdit(w, r, http.StatusOK, t, c, nil, nil)
}

// supportCameraUpdate saves the camera form (device ID, name, model).
func (s *Server) supportCameraUpdate(w http.ResponseWriter, r *http.Request) {
	t, c, ok := s.supportCamera(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	in := supportCameraInput(r)
	if err := s.deps.Tenancy.UpdateCamera(r.Context(), actor(r), t.ID, c.ID, in); err != nil {
		f := supportCameraForm(in)
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderCameraEdit(w, r, a.Status, t, c, &f, nil)
		})
		return
	}
	name := strings.TrimSpace(in.Name) // as the store saved it
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#cameras", flashOK, text(r, "flash.camera_updated", name))
}

// supportCameraPOS switches the camera's POS option on from a date, or off.
func (s *Server) supportCameraPOS(w http.ResponseWriter, r *http.Request) {
	t, c, ok := s.supportCamera(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	choice, dateText := r.PostForm.Get("pos"), r.PostForm.Get("pos_usable_from")
	enabled, from, err := supportParsePOS(choice, dateText)
	if err == nil {
		err = s.deps.Tenancy.SetPOSOption(r.Context(), actor(r), t.ID, c.ID, enabled, from)
	}
	if err != nil {
		f := views.Form{Values: map[string]string{"pos": choice, "pos_usable_from": dateText}}
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f = withAnswer(f, a)
			s.renderCameraEdit(w, r, a.Status, t, c, nil, &f)
		})
		return
	}
	msg := text(r, "flash.pos_off", c.Name)
	if enabled {
		// The date as the pages write it in this language.
		msg = text(r, "flash.pos_on", c.Name, views.Page{Lang: langOf(r.Context())}.Date(from))
	}
	s.redirectFlash(w, r, views.SupportTenantURL(t.ID)+"#cameras", flashOK, msg)
}

// supportParsePOS reads the POS option form: "on" needs a date, "off" ignores
// whatever date was left in the field.
func supportParsePOS(choice, dateText string) (enabled bool, from time.Time, err error) {
	switch choice {
	case "off":
		return false, time.Time{}, nil
	case "on":
	default:
		return false, time.Time{}, apperr.Field("pos", "err.pos_choice")
	}
	if strings.TrimSpace(dateText) == "" {
		return false, time.Time{}, apperr.Field("pos_usable_from", "err.required")
	}
	from, ok := tenancy.ParseDate(dateText)
	if !ok {
		return false, time.Time{}, apperr.Field("pos_usable_from", "err.date_invalid")
	}
	return true, from, nil
}

// renderCameraEdit shows the staff's camera page; a nil form is shown with
// the camera's current values.
func (s *Server) renderCameraEdit(w http.ResponseWriter, r *http.Request, status int, t tenancy.Tenant, c tenancy.Camera, edit, pos *views.Form) {
	today := s.deps.Tenancy.Today()
	orderedToday := today.AddDate(0, 0, supportPOSLeadDays)
	// The form shows the current state; the date defaults to the earliest
	// day the manuals allow for an order placed today.
	posForm := views.Form{Values: map[string]string{"pos": "off", "pos_usable_from": orderedToday.Format(time.DateOnly)}}
	if c.POSEnabled {
		posForm.Values["pos"] = "on"
		posForm.Values["pos_usable_from"] = c.POSUsableFrom.Format(time.DateOnly)
	}
	p := s.page(r, "support.camera.title", c.Name)
	v := views.CameraEdit{TenantID: t.ID, TenantName: t.Name, Camera: s.cameraRow(c),
		Edit:         supportFormOr(edit, supportCameraForm(tenancy.CameraInput{DeviceID: c.DeviceID, Name: c.Name, Model: c.Model})),
		POS:          supportFormOr(pos, posForm),
		OrderedToday: p.Date(orderedToday)}
	s.render(w, r, status, views.SupportCamera(p, v))
}
