package portal

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// cameraRow is the view of a camera on the operator's current day.
func (s *Server) cameraRow(c tenancy.Camera) views.CameraRow {
	state := map[tenancy.POSState]string{tenancy.POSOff: "off", tenancy.POSWaiting: "waiting", tenancy.POSUsable: "usable"}
	return views.CameraRow{ID: c.ID, Name: c.Name, Model: c.Model, DeviceID: c.DeviceID,
		POS: state[c.POSStateOn(s.deps.Tenancy.Today())], UsableFrom: c.POSUsableFrom}
}

// cameraList is the owner's カメラ一覧.
func (s *Server) cameraList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	cams, err := s.deps.Tenancy.Cameras(r.Context(), u.TenantID)
	if err != nil {
		s.serverError(w, r, err)
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

// pathID reads a positive integer ID from the URL.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id, err == nil && id > 0
}
