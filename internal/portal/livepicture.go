package portal

import (
	"io/fs"
	"net/http"
	"strconv"

	"github.com/poslink/poslink/internal/livepicture"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web"
)

// livePictureMaxAge is how long a browser keeps a live picture or its
// placeholder: about the cache's TTL, as the page refreshes it that often.
const livePictureMaxAge = 10

// livePlaceholders are the pictures shown instead of the live one, by
// state.
var livePlaceholders = map[livepicture.State]string{
	livepicture.Unreachable: "static/still-unreachable.svg",
	livepicture.NoPicture:   "static/live-none.svg",
	livepicture.NoDevice:    "static/live-none.svg",
	livepicture.Refused:     "static/live-none.svg",
}

// ownerLivePicture serves the live picture of one of the owner's cameras.
func (s *Server) ownerLivePicture(w http.ResponseWriter, r *http.Request) {
	if c, ok := ownedByPath(s, w, r, "cameraID", s.deps.Tenancy.Camera); ok {
		s.serveLivePicture(w, r, c)
	}
}

// supportLivePicture serves the live picture of a camera of the tenant in
// the URL.
func (s *Server) supportLivePicture(w http.ResponseWriter, r *http.Request) {
	if _, c, ok := s.supportCamera(w, r); ok {
		s.serveLivePicture(w, r, c)
	}
}

// serveLivePicture answers with the camera's live picture from the
// instance's cache (at most one camera-cloud call per camera and TTL,
// however many look), or the placeholder of its state; X-Live-State names
// the state. A failure of the camera cloud is a placeholder, never an
// error page.
func (s *Server) serveLivePicture(w http.ResponseWriter, r *http.Request, c tenancy.Camera) {
	pic, err := s.deps.LivePictures.Get(r.Context(), c.DeviceID)
	if err != nil {
		// The viewer left while the picture was being read.
		return
	}
	h := w.Header()
	h.Set("X-Live-State", string(pic.State))
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(livePictureMaxAge))
	if pic.State == livepicture.Ready {
		h.Set("ETag", pic.ETag)
		h.Set("Last-Modified", pic.Taken.UTC().Format(http.TimeFormat))
		if r.Header.Get("If-None-Match") == pic.ETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "image/jpeg")
		h.Set("Content-Length", strconv.Itoa(len(pic.Image)))
		_, _ = w.Write(pic.Image)
		return
	}
	name, ok := livePlaceholders[pic.State]
	if !ok {
		name = livePlaceholders[livepicture.Unreachable]
	}
	img, err := fs.ReadFile(web.Static, name)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	h.Set("Content-Type", "image/svg+xml")
	_, _ = w.Write(img)
}
