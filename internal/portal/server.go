// Package portal serves the HTML portal: login, the owner's pages and the
// support console. Handlers take the tenant from the session, never from
// the URL or the form.
package portal

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/live"
	"github.com/poslink/poslink/internal/livepicture"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/stills"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web"
	"github.com/poslink/poslink/web/views"
)

// Config holds the portal's settings.
type Config struct {
	// BaseURL is the portal's public URL (config checks it is http or
	// https). Its origin is the only one whose forms are accepted; https
	// makes the cookies Secure and sends Strict-Transport-Security. Empty
	// (tests only): each request's own origin, without either.
	BaseURL string
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
	// UbiregiURL is Ubiregi's base URL: the consent button's form is
	// answered with a redirect there, which the pages' CSP must allow.
	UbiregiURL string
}

// Deps are the services the portal calls.
type Deps struct {
	Pool *pgxpool.Pool
	// Reads is the pool of reads people ask for (db.ReadsPool): the live
	// streams read there, beside the dashboard's store.
	Reads   *pgxpool.Pool
	Tenancy *tenancy.Store
	Auth    *auth.Authenticator
	Links   *link.Store
	Ubiregi *ubiregilink.Service
	Smaregi *smaregilink.Service
	// PollStatus reads how the polling of each connection stands, for the
	// link pages and the support console.
	PollStatus *poller.StatusReader
	// Tokens are the viewer API's bearer tokens.
	Tokens *apitoken.Store
	// Dashboard reads the cameras' transactions for their dashboards.
	Dashboard *dashboard.Store
	// Stills reads the transactions' stills, fetched by the background
	// fetcher: pages never call the camera cloud.
	Stills *stills.Reader
	// LivePictures keeps the cameras' live pictures for a few seconds:
	// one camera-cloud call per camera and TTL, however many look.
	LivePictures *livepicture.Cache
	Logger       *slog.Logger
	// Ready reports whether the instance can serve (database reachable,
	// migrations current, not shutting down), for /readyz.
	Ready func(context.Context) error
	// Live wakes the transaction streams of this instance.
	Live *live.Hub
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Server is the portal's HTTP handler.
type Server struct {
	cfg  Config
	deps Deps
	// site is the origin of cfg.BaseURL ("" without one).
	site     httpx.Origin
	sessions *scs.SessionManager
	// answers turns every error into the answer of the request's route
	// group: the error page or form message here, problem+json on a JSON
	// group.
	answers *httpx.Responder
	router  chi.Router
}

// New builds the portal's handler; a BaseURL that is not an http(s) URL
// (config never lets one through) is an error.
func New(cfg Config, deps Deps) (*Server, error) {
	var site httpx.Origin
	if cfg.BaseURL != "" {
		var err error
		if site, err = httpx.OriginOf(cfg.BaseURL); err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
	}
	sm := scs.New()
	// The store applies the idle timeout (scs's would write on every request).
	sm.Store = newSessionStore(deps.Pool, cfg.SessionIdle)
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "poslink_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = site.HTTPS()
	// A session cookie, not a persistent one: closing the browser logs out.
	sm.Cookie.Persist = false
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, deps: deps, site: site, sessions: sm}
	// A database that cannot be reached is 503 with Retry-After wherever it
	// is met, the session store's load included.
	s.answers = &httpx.Responder{Text: text, Page: s.errorPage, Classify: db.Classify}
	sm.ErrorFunc = s.answers.Respond
	s.router = s.routes()
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	// The language comes first, so that every answer, a panic's included,
	// is in the reader's language.
	r.Use(httpx.Start(s.deps.Logger), language, s.answers.Recover, httpx.SecurityHeaders(s.site))
	r.With(httpx.Quiet).Get("/healthz", s.healthz)
	r.With(httpx.Quiet).Get("/readyz", s.readyz)
	r.With(httpx.Quiet).Handle("/static/*", staticHandler(web.Static))
	r.With(httpx.Quiet).Get("/favicon.ico", http.NotFound)

	s.apiRoutes(r)

	// The HTML pages. A JSON API mounts its own group with httpx.JSON and
	// the same guards, and gets the same error model as problem+json.
	// CheckInput comes before the session is loaded: text no field takes is
	// refused before any query.
	r.Group(func(r chi.Router) {
		r.Use(s.answers.CrossOrigin(s.site), httpx.LimitBody(maxBodyBytes), s.answers.CheckInput,
			s.sessions.LoadAndSave, s.loadUser)
		r.NotFound(s.answers.NotFound)
		r.MethodNotAllowed(s.answers.MethodNotAllowed)
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
				r.Get("/cameras/{cameraID}/events", s.cameraEvents)
				r.Get("/cameras/{cameraID}/dashboard", s.ownerDashboard)
				r.Get("/cameras/{cameraID}/dashboard.csv", s.ownerDashboardCSV)
				r.Get("/cameras/{cameraID}/transactions/{txnID}/still", s.ownerStill)
				r.Get("/cameras/{cameraID}/live.jpg", s.ownerLivePicture)
				r.Get("/links", s.linksOverview)
				r.Group(s.ubiregiRoutes)
				s.smaregiRoutes(r)
				s.ownerAuditRoutes(r)
				s.tokenRoutes(r)
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
