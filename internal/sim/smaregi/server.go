package smaregi

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// jst is Japan's time zone (no daylight saving time), in which the API
// writes every time.
var jst = time.FixedZone("JST", 9*60*60)

// DefaultLegacyCutover is when the legacy スマレジAPI stops answering: the
// 2026 notice's 2026-01-24.
var DefaultLegacyCutover = time.Date(2026, 1, 24, 0, 0, 0, 0, jst)

// DefaultRateLimit is a contract's requests per second.
// ASSUMPTION: (#11) the sandbox's GET limit of 10 requests per second per
// contract, as community docs give it; token requests count too.
const DefaultRateLimit = 10

// Config sets a simulator up.
type Config struct {
	// Seed makes generated contracts, credentials and sales the same on every run.
	Seed uint64
	// Clock is the simulated time (default: the real time).
	Clock *simclock.Clock
	// Logger gets control changes and failures; secrets are never logged.
	Logger *slog.Logger
	// LegacyCutover is when the legacy API shuts down (default 2026-01-24 00:00 JST).
	LegacyCutover time.Time
	// RateLimit is each contract's requests per second unless set per
	// contract: 0 means DefaultRateLimit, < 0 unlimited.
	RateLimit int
	// Synthetic is the range of contracts computed on demand.
	Synthetic Synthetic
}

// Server is the Smaregi simulator: the ID host (app tokens), the API host
// (POS API under /{contract_id}/pos), the legacy API (/access/) and the
// control endpoints under /_sim/. Serve it whole, or mount IDHandler,
// APIHandler, LegacyHandler and AdminHandler on separate listeners.
type Server struct {
	seed      uint64
	clock     *simclock.Clock
	log       *slog.Logger
	cutover   time.Time
	rateLimit int
	faults    *fault.Injector
	limiter   limiter
	tokenKey  []byte

	mu       sync.RWMutex
	explicit map[string]*account
	synth    Synthetic
	created  uint64 // contract IDs generated so far

	idH, apiH, legacyH, adminH http.Handler
}

// New returns a simulator with no explicit contracts.
func New(cfg Config) *Server {
	s := &Server{
		seed: cfg.Seed, clock: cfg.Clock, log: cfg.Logger, cutover: cfg.LegacyCutover,
		rateLimit: cfg.RateLimit, explicit: map[string]*account{},
	}
	if s.clock == nil {
		s.clock = simclock.New()
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.cutover.IsZero() {
		s.cutover = DefaultLegacyCutover
	}
	if s.rateLimit == 0 {
		s.rateLimit = DefaultRateLimit
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], draw(s.seed, pTokenKey))
	sum := sha256.Sum256(key[:])
	s.tokenKey = sum[:]
	s.faults = fault.New(s.clock.Now)
	if err := s.SetSynthetic(cfg.Synthetic); err != nil {
		s.log.Error("smaregi sim: synthetic range ignored", "err", err)
	}

	problems := fault.Responder(problemResponder{})
	s.idH = s.faults.Middleware(problems)(http.HandlerFunc(s.serveID))
	s.apiH = s.faults.Middleware(problems)(http.HandlerFunc(s.serveAPI))
	s.legacyH = s.faults.Middleware(legacyResponder{})(http.HandlerFunc(s.serveLegacy))
	s.adminH = s.adminMux()
	return s
}

// Faults is the simulator's fault injector (also at /_sim/faults). Faults
// apply to the ID, API and legacy hosts, never to /_sim/.
func (s *Server) Faults() *fault.Injector { return s.faults }

// Clock is the simulated clock (also at /_sim/clock).
func (s *Server) Clock() *simclock.Clock { return s.clock }

// IDHandler serves the ID host: POST /app/{contract_id}/token.
func (s *Server) IDHandler() http.Handler { return s.idH }

// APIHandler serves the API host: /{contract_id}/pos/….
func (s *Server) APIHandler() http.Handler { return s.apiH }

// LegacyHandler serves the legacy API: POST /access/.
func (s *Server) LegacyHandler() http.Handler { return s.legacyH }

// AdminHandler serves the control endpoints under /_sim/.
func (s *Server) AdminHandler() http.Handler { return s.adminH }

// ServeHTTP serves every host from one listener, told apart by path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/_sim" || strings.HasPrefix(p, "/_sim/"):
		s.adminH.ServeHTTP(w, r)
	case p == "/access" || p == "/access/":
		s.legacyH.ServeHTTP(w, r)
	case strings.HasPrefix(p, "/app/"):
		s.idH.ServeHTTP(w, r)
	default:
		s.apiH.ServeHTTP(w, r)
	}
}
