package camcloud

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The API's header of an API key (Safie Developers "APIキー認証アプリケーション").
const apiKeyHeader = "Safie-API-Key"

// ASSUMPTION: the default and largest page of GET /v2/devices are not
// public; the official client pages with limit=100, so 100 is taken as the
// largest and 20 as the default. A limit outside 1–100 is a 400.
const (
	defaultLimit = 20
	maxLimit     = 100
)

type keyCtx struct{}

// authenticate admits requests with a known, unrevoked key.
//
// ASSUMPTION (#19): only API-key authentication is simulated (no OAuth2
// bearer tokens); a missing, unknown or revoked key is a 401 with
// {"message": ...}. Unknown and revoked keys get the same answer, as a
// real service would not tell them apart.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(apiKeyHeader)
		if key == "" {
			writeMessage(w, http.StatusUnauthorized, apiKeyHeader+" header is required")
			return
		}
		ak, ok := s.reg.authorize(key)
		if !ok {
			writeMessage(w, http.StatusUnauthorized, "invalid API key")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyCtx{}, ak)))
	})
}

func keyOf(r *http.Request) *apiKey { return r.Context().Value(keyCtx{}).(*apiKey) }

// deviceList is the body of GET /v2/devices, fields in the order of the
// public example.
type deviceList struct {
	Total   int         `json:"total"`
	Offset  int         `json:"offset"`
	Count   int         `json:"count"`
	HasNext bool        `json:"has_next"`
	List    []apiDevice `json:"list"`
}

type apiDevice struct {
	DeviceID string `json:"device_id"`
	Serial   string `json:"serial"`
	Setting  struct {
		Name string `json:"name"`
	} `json:"setting"`
	Model struct {
		Description string `json:"description"`
	} `json:"model"`
	Status struct {
		VideoStreaming bool `json:"video_streaming"`
	} `json:"status"`
}

// listDevices is GET /v2/devices?offset&limit&item_id.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, err := intParam(q, "offset", 0, 0, math.MaxInt32)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := intParam(q, "limit", defaultLimit, 1, maxLimit)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	var item *int
	if q.Has("item_id") {
		v, err := intParam(q, "item_id", 0, 0, math.MaxInt32)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, err.Error())
			return
		}
		item = &v
	}
	total, devs := s.reg.page(s.seed, keyOf(r), item, offset, limit)
	now := s.clock.Now()
	out := deviceList{Total: total, Offset: offset, Count: len(devs), HasNext: offset+len(devs) < total, List: make([]apiDevice, len(devs))}
	for i := range devs {
		d := &devs[i]
		a := &out.List[i]
		a.DeviceID, a.Serial = d.ID, d.Serial
		a.Setting.Name, a.Model.Description = d.Name, d.Model
		tl := s.timelineOf(d)
		a.Status.VideoStreaming = tl.streaming(now)
	}
	writeJSON(w, http.StatusOK, out)
}

// intParam reads an integer query parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	v, err := strconv.Atoi(q.Get(name))
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer within %d–%d", name, lo, hi)
	}
	return v, nil
}

// device finds the path's device among those the key sees; a device the
// key does not see is as absent as one that does not exist.
func (s *Server) device(w http.ResponseWriter, r *http.Request) (Device, bool) {
	d, ok := s.reg.visible(s.seed, keyOf(r), r.PathValue("device_id"))
	if !ok {
		writeMessage(w, http.StatusNotFound, "device not found")
	}
	return d, ok
}

// image is GET /v2/devices/{device_id}/image?timestamp=ISO 8601.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	d, ok := s.device(w, r)
	if !ok {
		return
	}
	now := s.clock.Now()
	tl := s.timelineOf(&d)
	q := r.URL.Query()
	if !q.Has("timestamp") {
		// ASSUMPTION: without a timestamp the image is the camera's
		// live picture (the frame of the current second, no MediaDelay),
		// so an offline camera has none (404); the thumbnail keeps its
		// last one.
		if sec := now.Unix(); tl.recorded(sec) {
			s.writeFrame(w, r, &d, sec, "private, no-cache")
			return
		}
		writeMessage(w, http.StatusNotFound, errNotRecorded.Error())
		return
	}
	at, err := parseTimestamp(q.Get("timestamp"))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	sec, err := tl.frameAt(at, now)
	if err != nil {
		writeMessage(w, http.StatusNotFound, err.Error())
		return
	}
	// A frame at a given second never changes: caches may keep it.
	s.writeFrame(w, r, &d, sec, "private, max-age=86400, immutable")
}

// thumbnail is GET /v2/devices/{device_id}/thumbnail: the newest frame.
func (s *Server) thumbnail(w http.ResponseWriter, r *http.Request) {
	d, ok := s.device(w, r)
	if !ok {
		return
	}
	tl := s.timelineOf(&d)
	sec, ok := tl.latest(s.clock.Now())
	if !ok {
		writeMessage(w, http.StatusNotFound, errNotRecorded.Error())
		return
	}
	s.writeFrame(w, r, &d, sec, "private, no-cache")
}

// parseTimestamp reads an ISO 8601 date-time with a time zone: RFC 3339
// (2026-01-02T15:04:05+09:00, fractions allowed, or Z), or with the offset
// written without a colon (+0900).
func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	hint := ""
	if strings.Contains(s, " ") {
		// A '+' left unencoded in a query string arrives as a space.
		hint = " (encode '+' as %2B in the query)"
	}
	return time.Time{}, fmt.Errorf("timestamp must be ISO 8601 with a time zone, e.g. 2026-01-02T15:04:05+09:00%s", hint)
}

// writeFrame answers with the JPEG of the device's frame at sec. Its ETag
// and Last-Modified follow from what the picture is drawn from, so a
// revalidation (If-None-Match, If-Modified-Since) costs no rendering.
func (s *Server) writeFrame(w http.ResponseWriter, r *http.Request, d *Device, sec int64, cache string) {
	etag := fmt.Sprintf(`"%016x"`, frameTag(s.seed, d, sec))
	modified := time.Unix(sec, 0).UTC()
	h := w.Header()
	h.Set("Cache-Control", cache)
	h.Set("ETag", etag)
	h.Set("Last-Modified", modified.Format(http.TimeFormat))
	if notModified(r, etag, modified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := renderJPEG(buf, s.seed, d, sec); err != nil {
		s.log.Error("camcloud: render", "device_id", d.ID, "err", err)
		h.Del("ETag")
		h.Del("Last-Modified")
		writeMessage(w, http.StatusInternalServerError, "internal error")
		return
	}
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// notModified applies the conditional headers: If-None-Match wins over
// If-Modified-Since, as RFC 9110 says.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil {
			return !modified.After(t)
		}
	}
	return false
}
