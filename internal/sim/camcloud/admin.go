package camcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// mountAdmin adds the control endpoints under /_sim/ (JSON in and out):
//
//	GET    /_sim/devices            {"devices": [Device], "ranges": [Range]}
//	POST   /_sim/devices            Device → Device (created or replaced)
//	POST   /_sim/ranges             Range → Range
//	POST   /_sim/keys               Key → 201 Key (key drawn from the seed when empty)
//	POST   /_sim/keys/{key}/links   {"devices": [...], "ranges": [...]} → Key
//	DELETE /_sim/keys/{key}         → {"key": "...", "revoked": true}
//	GET|POST /_sim/clock            the shared simclock endpoint
//	GET|PUT|DELETE /_sim/faults     the shared fault endpoint
//
// Errors are {"message": "..."} with 400 (invalid), 404 (unknown key,
// device or range) or 409 (clash).
func (s *Server) mountAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sim/devices", s.adminDevices)
	mux.HandleFunc("POST /_sim/devices", adminPost(s.PutDevice, http.StatusOK))
	mux.HandleFunc("POST /_sim/ranges", adminPost(s.AddRange, http.StatusOK))
	mux.HandleFunc("POST /_sim/keys", adminPost(s.CreateKey, http.StatusCreated))
	mux.HandleFunc("POST /_sim/keys/{key}/links", func(w http.ResponseWriter, r *http.Request) {
		adminPost(func(k Key) (Key, error) {
			k.Key = r.PathValue("key")
			return s.Link(k)
		}, http.StatusOK)(w, r)
	})
	mux.HandleFunc("DELETE /_sim/keys/{key}", func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("key")
		if err := s.RevokeKey(key); err != nil {
			writeControlError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Key     string `json:"key"`
			Revoked bool   `json:"revoked"`
		}{key, true})
	})
	mux.Handle("/_sim/clock", s.clock)
	mux.Handle("/_sim/faults", s.faults)
}

// adminPost decodes a JSON body into T, applies do and answers its result.
func adminPost[T any](do func(T) (T, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeMessage(w, http.StatusBadRequest, fmt.Sprintf("body: %v", err))
			return
		}
		out, err := do(in)
		if err != nil {
			writeControlError(w, err)
			return
		}
		writeJSON(w, status, out)
	}
}

func (s *Server) adminDevices(w http.ResponseWriter, _ *http.Request) {
	devs, ranges := s.Devices()
	writeJSON(w, http.StatusOK, struct {
		Devices []Device `json:"devices"`
		Ranges  []Range  `json:"ranges"`
	}{devs, ranges})
}

// Devices returns the devices put and the ranges added, in order.
func (s *Server) Devices() ([]Device, []Range) {
	s.reg.mu.RLock()
	defer s.reg.mu.RUnlock()
	return append([]Device{}, s.reg.devices...), append([]Range{}, s.reg.ranges...)
}

func writeControlError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrConflict):
		status = http.StatusConflict
	}
	writeMessage(w, status, err.Error())
}
