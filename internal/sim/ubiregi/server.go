package ubiregi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// Server is a simulated ubiregi.com: an http.Handler serving the OAuth2
// endpoints under /oauth2/, API v3 under /api/3/ and the simulator's
// control API under /_sim/. It is safe for concurrent use.
type Server struct {
	cfg     Config
	clock   *simclock.Clock
	log     *slog.Logger
	faults  *fault.Injector
	handler http.Handler

	mu        sync.Mutex
	clients   map[string]*Client
	accounts  map[int64]*Account // stored accounts; synthetic ones are computed
	byLogin   map[string]int64   // login, and lower-case e-mail → account id
	nextID    int64
	synthetic Synthetic
	expired   map[int64]bool
	rate      RateLimit
	grants    map[uint64]*grant
	nextGrant uint64
	tokens    map[string]tokenRef
	codes     map[string]*authCode
	pending   map[string]*pendingAuth
	sessions  map[string]session
	consents  map[consentKey]struct{}
	prunes    int
}

// firstStoredID is where automatically numbered accounts start.
const firstStoredID = 10_000

// New returns a simulator with no client apps and no stored accounts
// (only cfg.Synthetic's range, if any). It panics if cfg is invalid (a
// synthetic range or rate limit out of bounds): that is a programming
// error of the caller, like a bad regexp.MustCompile pattern.
func New(cfg Config) *Server {
	cfg, err := cfg.withDefaults()
	if err != nil {
		panic(fmt.Sprintf("ubiregi.New: %v", err))
	}
	s := &Server{
		cfg: cfg, clock: cfg.Clock, log: cfg.Logger,
		faults:    fault.New(cfg.Clock.Now),
		clients:   map[string]*Client{},
		accounts:  map[int64]*Account{},
		byLogin:   map[string]int64{},
		nextID:    firstStoredID - 1,
		synthetic: cfg.Synthetic,
		expired:   map[int64]bool{},
		rate:      cfg.RateLimit,
		grants:    map[uint64]*grant{},
		tokens:    map[string]tokenRef{},
		codes:     map[string]*authCode{},
		pending:   map[string]*pendingAuth{},
		sessions:  map[string]session{},
		consents:  map[consentKey]struct{}{},
	}
	public := http.NewServeMux()
	public.HandleFunc("GET /oauth2/authorize", s.handleAuthorize)
	public.HandleFunc("POST /oauth2/authorize", s.handleAuthorizeForm)
	public.HandleFunc("POST /oauth2/token", s.handleToken)
	public.HandleFunc("GET /api/3/accounts/{account}", s.authed(s.handleAccount))
	public.HandleFunc("GET /api/3/accounts/{account}/checkouts", s.authed(s.handleCheckouts(false)))
	public.HandleFunc("GET /api/3/accounts/{account}/checkouts/close", s.authed(s.handleCheckouts(true)))
	public.HandleFunc("/api/3/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "the resource you requested was not found")
	})

	mux := http.NewServeMux()
	mux.Handle("/", s.faults.Middleware(faultResponder{s})(trimSlash(public)))
	// The control API is not the simulated service: faults never touch it.
	mux.Handle("/_sim/", s.adminRoutes())
	s.handler = mux
	return s
}

// ServeHTTP serves the simulated service and its control API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults are the failures injected into the public endpoints.
func (s *Server) Faults() *fault.Injector { return s.faults }

// Clock is the simulated clock.
func (s *Server) Clock() *simclock.Clock { return s.clock }

// baseURL is the scheme and host the request came in on, so absolute URLs
// (next-url) work on whatever port or host the simulator is reached at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		host = "localhost"
	}
	return scheme + "://" + host
}

// trimSlash serves an API path with a trailing slash as the path without
// it (…/checkouts/ as …/checkouts).
//
// ASSUMPTION: ubiregi.com is a Rails application, whose router ignores a
// trailing slash; a real client was seen sending one.
func trimSlash(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; strings.HasPrefix(p, "/api/3/") && len(p) > len("/api/3/") && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			r2.URL.RawPath = ""
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}
