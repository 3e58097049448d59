package portal

import (
	"net/http"

	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// cameraRow is the view of a camera on the operator's current day.
func (s *Server) cameraRow(c tenancy.Camera) views.CameraRow {
	state := map[tenancy.POSState]string{tenancy.POSOff: "off", tenancy.POSWaiting: "waiting", tenancy.POSUsable: "usable"}
	return views.CameraRow{ID: c.ID, Name: c.Name, Model: c.Model, DeviceID: c.DeviceID,
		POS: state[c.POSStateOn(s.deps.Tenancy.Today())], UsableFrom: c.POSUsableFrom}
}

// cameraLabel names a camera in the link pages' lists and selects as the
// manuals do: 自宅カメラ (CC-2L_SF : device ID), or 自宅カメラ (device ID)
// when the model is not known.
func cameraLabel(c tenancy.Camera) string {
	if c.Model == "" {
		return c.Name + " (" + c.DeviceID + ")"
	}
	return c.Name + " (" + c.Model + " : " + c.DeviceID + ")"
}

// cameraLabels maps each camera's ID to its label.
func cameraLabels(cams []tenancy.Camera) map[int64]string {
	out := make(map[int64]string, len(cams))
	for _, c := range cams {
		out[c.ID] = cameraLabel(c)
	}
	return out
}

// cameraLabelsOf labels the tenant's cameras by ID.
func (s *Server) cameraLabelsOf(r *http.Request, tenantID int64) (map[int64]string, error) {
	cams, err := s.deps.Tenancy.Cameras(r.Context(), tenantID)
	if err != nil {
		return nil, err
	}
	return cameraLabels(cams), nil
}

// cameraList is the owner's カメラ一覧.
func (s *Server) cameraList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	cams, err := s.deps.Tenancy.Cameras(r.Context(), u.TenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	rows := make([]views.CameraRow, 0, len(cams))
	for _, c := range cams {
		rows = append(rows, s.cameraRow(c))
	}
	s.render(w, r, http.StatusOK, views.CameraList(s.page(r, "cameras.title"), rows))
}

func (s *Server) cameraDetail(w http.ResponseWriter, r *http.Request) {
	c, ok := ownedByPath(s, w, r, "cameraID", s.deps.Tenancy.Camera)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, views.CameraDetail(s.page(r, "camera.title", c.Name), s.cameraRow(c)))
}
