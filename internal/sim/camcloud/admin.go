package camcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
)

// mountAdmin adds the control endpoints under /_sim/ (JSON in and out):
//
//	GET    /_sim/devices            {"devices": [Device], "ranges": [Range]}
//	POST   /_sim/devices            Device → Device (created or replaced)
//	POST   /_sim/ranges             Range → Range
//	POST   /_sim/keys               Key → 201 Key (key drawn from the seed when empty)
//	POST   /_sim/keys/{key}/links   {"devices": [...], "ranges": [...]} → Key
//	DELETE /_sim/keys/{key}         → {"key": "...", "revoked": true}
//	POST   /_sim/devices/{device_id}/power_cuts
//	                                {"from", "to"} or {"from", "duration"}; from defaults
//	                                to now → {"device_id", "power_cuts": [Gap]}
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
	mux.HandleFunc("POST /_sim/devices/{device_id}/power_cuts", s.adminPowerCut)
	mux.Handle("/_sim/clock", s.clock)
	mux.Handle("/_sim/faults", s.faults)
}

// adminPost decodes a JSON body into In, applies do and answers its result.
func adminPost[In, Out any](do func(In) (Out, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
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
	s.reg.mu.RLock()
	cuts := maps.Clone(s.reg.cuts)
	s.reg.mu.RUnlock()
	writeJSON(w, http.StatusOK, struct {
		Devices   []Device         `json:"devices"`
		Ranges    []Range          `json:"ranges"`
		PowerCuts map[string][]Gap `json:"power_cuts"`
	}{devs, ranges, cuts})
}

// powerCutRequest is the body of POST /_sim/devices/{id}/power_cuts.
type powerCutRequest struct {
	From     *time.Time     `json:"from"`
	To       *time.Time     `json:"to"`
	Duration fault.Duration `json:"duration"`
}

// powerCuts is the answer of POST /_sim/devices/{id}/power_cuts.
type powerCuts struct {
	DeviceID  string `json:"device_id"`
	PowerCuts []Gap  `json:"power_cuts"`
}

func (s *Server) adminPowerCut(w http.ResponseWriter, r *http.Request) {
	adminPost(func(in powerCutRequest) (powerCuts, error) {
		g := Gap{From: s.clock.Now()}
		if in.From != nil {
			g.From = *in.From
		}
		switch {
		case in.To != nil && in.Duration == 0:
			g.To = *in.To
		case in.To == nil && in.Duration > 0:
			g.To = g.From.Add(time.Duration(in.Duration))
		default:
			return powerCuts{}, fmt.Errorf("%w: give either to or a positive duration", ErrInvalid)
		}
		id := r.PathValue("device_id")
		cuts, err := s.PowerCut(id, g)
		return powerCuts{DeviceID: id, PowerCuts: cuts}, err
	}, http.StatusOK)(w, r)
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
