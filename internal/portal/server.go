// Package portal serves the HTML portal: login, the owner's pages and the
// support console. Handlers take the tenant from the session, never from
// the URL or the form.
package portal

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web"
	"github.com/poslink/poslink/web/views"
)

// Config holds the portal's settings.
type Config struct {
	// SecureCookies marks the session cookie Secure: set when served over HTTPS.
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For, for throttling.
	TrustProxy bool
	// SessionLifetime is the longest a login lasts; SessionIdle logs out
	// after that long without a request.
	SessionLifetime time.Duration
	SessionIdle     time.Duration
	// Location is the operator's time zone for dates and times shown.
	Location *time.Location
	// Demo, when set, lists the demo's accounts on the login page.
	Demo *views.DemoInfo
}

// Deps are the services the portal calls.
type Deps struct {
	Pool    *pgxpool.Pool
	Tenancy *tenancy.Store
	Auth    *auth.Authenticator
	Links   *link.Store
	Ubiregi *ubiregilink.Service
	Smaregi *smaregilink.Service
	Logger  *slog.Logger
	// Ready reports whether the instance can serve (database reachable,
	// migrations current, not shutting down), for /readyz.
	Ready func(context.Context) error
}

// Server is the portal's HTTP handler.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	sessions *scs.SessionManager
	router   chi.Router
}

// New builds the portal's handler.
func New(cfg Config, deps Deps) *Server {
	sm := scs.New()
	// The store applies the idle timeout (scs's would write on every request).
	sm.Store = newSessionStore(deps.Pool, cfg.SessionIdle)
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "poslink_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	// A session cookie, not a persistent one: closing the browser logs out.
	sm.Cookie.Persist = false
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, sessions: sm}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serverError(w, r, err)
	}
	s.router = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestLog, s.recoverPanic, securityHeaders)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/static/*", staticHandler(web.Static))
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })

	r.Group(func(r chi.Router) {
		r.Use(s.csrf, limitBody, s.sessions.LoadAndSave, s.language, s.loadUser)
		r.NotFound(s.notFound)
		r.MethodNotAllowed(s.methodNotAllowed)
		r.Post("/lang", s.setLanguage)
		r.Get("/login", s.loginPage)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)

		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Get("/", s.home)
			r.Group(func(r chi.Router) {
				r.Use(s.requireOwner)
				r.Get("/cameras", s.cameraList)
				r.Get("/cameras/{cameraID}", s.cameraDetail)
				s.ubiregiRoutes(r)
				s.smaregiRoutes(r)
			})
			r.Route("/support", func(r chi.Router) {
				r.Use(s.requireStaff)
				s.supportRoutes(r)
			})
		})
	})
	return r
}

// home sends each role to its first page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()).Role == tenancy.RoleStaff {
		http.Redirect(w, r, "/support/tenants", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cameras", http.StatusSeeOther)
}
