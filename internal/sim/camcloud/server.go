package camcloud

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// Config sets a simulator up.
type Config struct {
	// Seed makes the generated keys, serials, synthetic cameras and
	// pictures: the same seed and clock give byte-identical responses.
	Seed uint64
	// Clock is the simulated time; nil means the real time.
	Clock *simclock.Clock
	// Logger receives the control actions; nil discards them.
	Logger *slog.Logger
}

// Server is the simulated camera cloud: Safie API v2 under /v2/, its
// control endpoints under /_sim/. It is an http.Handler, safe for
// concurrent use.
type Server struct {
	seed    uint64
	clock   *simclock.Clock
	log     *slog.Logger
	faults  *fault.Injector
	reg     *registry
	handler http.Handler
}

// New returns a simulator with no devices and no keys.
func New(cfg Config) *Server {
	s := &Server{seed: cfg.Seed, clock: cfg.Clock, log: cfg.Logger, reg: newRegistry()}
	if s.clock == nil {
		s.clock = simclock.New()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.faults = fault.New(s.clock.Now)

	api := http.NewServeMux()
	api.HandleFunc("GET /v2/devices", s.listDevices)
	api.HandleFunc("GET /v2/devices/{device_id}/image", s.image)
	api.HandleFunc("GET /v2/devices/{device_id}/thumbnail", s.thumbnail)
	api.HandleFunc("GET /v2/devices/{device_id}/media", s.media)
	api.HandleFunc("/", unknownRoute)

	mux := http.NewServeMux()
	// Faults come first, as at the real service's edge: a 429 or 503 does
	// not depend on the key being good.
	mux.Handle("/v2/", s.faults.Middleware(jsonFault{})(s.authenticate(api)))
	s.mountAdmin(mux)
	mux.HandleFunc("/", unknownRoute)
	s.handler = mux
	return s
}

// ServeHTTP serves the API and the control endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the simulator's fault injector (also at /_sim/faults).
func (s *Server) Faults() *fault.Injector { return s.faults }

// Clock is the simulator's clock (also at /_sim/clock).
func (s *Server) Clock() *simclock.Clock { return s.clock }

// message is the error body of the API.
//
// ASSUMPTION (#19): Safie's v2 error JSON is not public; the simulator
// answers {"message": "..."} for every error status.
type message struct {
	Message string `json:"message"`
}

// writeJSON writes v with status; encoding/json is deterministic (struct
// fields in order, map keys sorted), so equal states give equal bytes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, message{Message: msg})
}

// jsonFault answers injected faults in the API's error format.
type jsonFault struct{}

func (jsonFault) Fault(w http.ResponseWriter, _ *http.Request, status int, _ time.Duration) {
	// Retry-After is set by the middleware already.
	writeMessage(w, status, http.StatusText(status))
}

// unknownRoute answers paths and methods the simulator does not serve.
func unknownRoute(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	writeMessage(w, http.StatusNotFound, "not found")
}
