package portal

import (
	"io/fs"
	"net/http"
	"strconv"

	"github.com/poslink/poslink/internal/stills"
	"github.com/poslink/poslink/web"
)

// The cache lifetimes of a still: a stored picture changes only when its
// sale moves to another camera or second (the ETag tells); a placeholder
// of a state that may still change (an evicted payment's comes back when
// it becomes a キャンセル) is looked at again soon.
const (
	stillMaxAge       = 24 * 3600
	stillFinalMaxAge  = 3600
	stillChangeMaxAge = 30
)

// stillPlaceholders are the pictures shown instead of a still, by state.
var stillPlaceholders = map[stills.State]string{
	stills.Pending: "static/still-pending.svg", stills.NoRecording: "static/still-no-recording.svg",
	stills.Unreachable: "static/still-unreachable.svg", stills.Evicted: "static/still-evicted.svg",
}

// ownerStill serves the still of one of the owner's transactions on one
// of their cameras.
func (s *Server) ownerStill(w http.ResponseWriter, r *http.Request) {
	s.serveStill(w, r, currentUser(r.Context()).TenantID)
}

// supportStill serves the still of a transaction of the tenant in the URL.
func (s *Server) supportStill(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.supportTenant(w, r); ok {
		s.serveStill(w, r, t.ID)
	}
}

// serveStill answers with the stored picture, or the placeholder of its
// state; X-Still-State names the state. It reads the database only: the
// camera cloud is never called for a view. A transaction of another
// tenant, or not on the camera of the URL, is not found.
func (s *Server) serveStill(w http.ResponseWriter, r *http.Request, tenantID int64) {
	camID, ok := s.pathID(w, r, "cameraID")
	if !ok {
		return
	}
	txnID, ok := s.pathID(w, r, "txnID")
	if !ok {
		return
	}
	st, err := s.deps.Stills.Read(r.Context(), tenantID, txnID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	if st.CameraID != camID {
		s.answers.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Still-State", string(st.State))
	if st.State == stills.Ready {
		serveStillImage(w, r, st)
		return
	}
	name, ok := stillPlaceholders[st.State]
	if !ok {
		name = stillPlaceholders[stills.Pending]
	}
	img, err := fs.ReadFile(web.Static, name)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	age := stillChangeMaxAge
	if st.State == stills.NoRecording {
		age = stillFinalMaxAge
	}
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(age))
	h.Set("Content-Type", "image/svg+xml")
	_, _ = w.Write(img)
}

// serveStillImage answers a ready still's JPEG, private and cached for a
// day, or 304 when the client holds it (its ETag).
func serveStillImage(w http.ResponseWriter, r *http.Request, st stills.Still) {
	etag := st.ETag()
	h := w.Header()
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(stillMaxAge))
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(len(st.Image)))
	_, _ = w.Write(st.Image)
}
