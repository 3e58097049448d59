package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/livepicture"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/stills"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// Services are the domain services on one database: what the portal, the
// operator's commands, background workers and the tests all run on. They
// are built in one place, NewServices.
type Services struct {
	Pool *pgxpool.Pool
	// Reads is the pool of the reads people ask for (the dashboard and the
	// viewer's API): writes refused, statements timed out, at most half
	// of Pool's connections (db.ReadsPool).
	Reads   *pgxpool.Pool
	Tenancy *tenancy.Store
	Auth    *auth.Authenticator
	Links   *link.Store
	Ubiregi *ubiregilink.Service
	Smaregi *smaregilink.Service
	// Tokens are the viewer API's bearer tokens.
	Tokens *apitoken.Store
	// PollStatus reads how the polling of each connection stands, for the
	// link pages.
	PollStatus *poller.StatusReader
	// Dashboard reads the cameras' transactions for their dashboards.
	Dashboard *dashboard.Store
	// Poller fetches the connections' transactions; nil when this build
	// has no provider feeds.
	Poller *poller.Poller
	// Camera reads the camera cloud (devices, stills, recorded periods)
	// with the portal's API key.
	Camera *camera.Client
	// Stills reads the transactions' stills for the pages; StillFetcher
	// fetches them (nil when POSLINK_STILLS is off).
	Stills       *stills.Reader
	StillFetcher *stills.Fetcher
	// LivePictures keeps the cameras' live pictures for the pages, a few
	// seconds each.
	LivePictures *livepicture.Cache
	// Metrics is the process's Prometheus registry, served at /metrics.
	Metrics *prometheus.Registry

	log *slog.Logger
}

// Options change what NewServices and New build, for tests and the demo.
type Options struct {
	// Now is the clock of the domain (days, audit times, bindings);
	// time.Now when nil.
	Now func() time.Time
	// ProviderNow is the clock the linking flows judge the providers'
	// tokens and the Smaregi cut-over by; Now when nil. Tests give the
	// simulators' clock.
	ProviderNow func() time.Time
	// HTTPClient calls Ubiregi, Smaregi and the camera cloud; one with a
	// 15 s timeout when nil.
	HTTPClient *http.Client
	// Demo lists the demo's accounts on the login page (portal only).
	Demo *views.DemoInfo
	// Feeds are what the poller reads transactions through; the providers'
	// own (providerFeeds) when nil. Tests give fakes.
	Feeds poller.Feeds
	// ReadTimeout and WriteTimeout are Serve's HTTP server's (30 s and
	// 60 s when zero); tests shorten them.
	ReadTimeout, WriteTimeout time.Duration
}

// ErrSchemaBehind is Connect's error when the database lacks migrations
// that this binary has.
var ErrSchemaBehind = errors.New("the database schema is behind this poslink")

var errNoDatabaseURL = errors.New("DATABASE_URL is not set: give the PostgreSQL URL (or run `poslink demo` for a private database)")

// NewServices builds the services on pool with the settings of cfg (time
// zone, sealing keys, the providers' URLs and the portal's OAuth client),
// and opens the reads pool beside it. Close releases both.
func NewServices(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger, opts Options) (*Services, error) {
	reads, err := db.ReadsPool(context.Background(), pool, dashboard.DefaultStatementTimeout)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	providerNow := opts.ProviderNow
	if providerNow == nil {
		providerNow = now
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = pos.NewHTTPClient(15 * time.Second)
	}
	s := &Services{Pool: pool, Reads: reads, log: log}
	s.Tenancy = tenancy.NewStore(pool, now, cfg.TimeZone)
	s.Auth = auth.New(pool, s.Tenancy, auth.DefaultPolicy, log)
	s.Links = link.NewStore(pool, cfg.SecretKeys, s.Tenancy, now)
	s.Tokens = apitoken.NewStore(pool, now)
	s.Ubiregi = ubiregilink.New(ubiregilink.Config{
		BaseURL: cfg.UbiregiURL, ClientID: cfg.UbiregiClientID, ClientSecret: cfg.UbiregiClientSecret,
		RedirectURL: cfg.BaseURL + portal.UbiregiCallbackPath, HTTPClient: httpClient, Now: providerNow, Logger: log,
	}, s.Links)
	s.Smaregi = smaregilink.New(smaregilink.Config{
		IDBaseURL: cfg.SmaregiIDURL, APIBaseURL: cfg.SmaregiAPIURL, LegacyBaseURL: cfg.SmaregiLegacyURL,
		LegacyCutover: cfg.SmaregiLegacyCutover, HTTPClient: httpClient, Now: providerNow, Logger: log,
	}, s.Links)
	s.Camera = camera.New(camera.Config{BaseURL: cfg.CameraURL, APIKey: cfg.CameraAPIKey.Reveal(),
		HTTPClient: httpClient, Now: providerNow})
	s.PollStatus = poller.NewStatusReader(pool, cfg.TimeZone, now)
	// The dashboard reads its links' states on the reads pool too.
	s.Dashboard = dashboard.NewStore(reads, poller.NewStatusReader(reads, cfg.TimeZone, now), now)
	s.Metrics = prometheus.NewRegistry()
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := poller.NewMetrics(s.Metrics)
	s.Stills = stills.NewReader(reads)
	s.LivePictures = livepicture.New(s.Camera, livepicture.Config{Now: now, Logger: log})
	if cfg.Stills {
		s.StillFetcher = stills.NewFetcher(pool, s.Camera, stills.NewMetrics(s.Metrics), stills.Config{
			Concurrency: cfg.StillsConcurrency, CacheBytes: cfg.StillsCacheBytes, PaymentWindow: cfg.StillsPaymentWindow,
			Logger: log,
		})
	}
	feeds := opts.Feeds
	if feeds == nil {
		feeds = providerFeeds(s)
	}
	if len(feeds) > 0 {
		s.Poller = poller.New(pool, feeds, s.Links, metrics, poller.Config{
			Interval: cfg.PollInterval, Concurrency: cfg.PollConcurrency, Backfill: cfg.Backfill,
			AccountRate: cfg.PollAccountRate, Now: providerNow, Logger: log,
		})
	}
	return s, nil
}

// providerFeeds are the transaction feeds of the providers, by provider:
// each provider's linking service opens the feed of one of its connections,
// with its credentials (tokens refreshed, app tokens cached).
func providerFeeds(s *Services) poller.Feeds {
	return poller.Feeds{link.Ubiregi: s.Ubiregi.Feed, link.Smaregi: s.Smaregi.Feed}
}

// MetricsHandler serves the registry in the Prometheus text format. It
// reads memory only: no database, no writes.
func (s *Services) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)})
}

// RunPoller runs the poller until ctx ends; without provider feeds it says
// so and returns.
func (s *Services) RunPoller(ctx context.Context) {
	if s.Poller == nil {
		s.log.Warn("poller: this build has no provider feeds; no transactions are fetched")
		return
	}
	if err := s.Poller.Run(ctx); err != nil {
		s.log.Error("poller stopped", "err", err)
	}
}

// RunStills fetches the transactions' stills until ctx ends, unless
// POSLINK_STILLS is off.
func (s *Services) RunStills(ctx context.Context) {
	if s.StillFetcher != nil {
		s.StillFetcher.Run(ctx)
	}
}

// Maintain runs the periodic jobs every few minutes until ctx ends:
// deletes expired sessions and stale login failures, refreshes Ubiregi
// grants ahead of expiry, marks legacy Smaregi links past the cut-over
// 要更新 and refreshes the names of both providers' registers (each link
// at most hourly, a terminal the provider no longer lists marked gone). Running it on every
// instance (portal or worker) is safe: the deletes are idempotent,
// refreshes take a lease, and the marking is a conditional update.
func (s *Services) Maintain(ctx context.Context) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		if n, err := portal.PruneSessions(ctx, s.Pool); err != nil && ctx.Err() == nil {
			s.log.Warn("prune sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("pruned sessions", "count", n)
		}
		if _, err := s.Auth.PruneFailures(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("prune login failures", "err", err)
		}
		s.Ubiregi.RefreshDue(ctx)
		if n, err := s.Smaregi.MarkRetiredLegacyLinks(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("mark retired legacy Smaregi links", "err", err)
		} else if n > 0 {
			s.log.Info("legacy Smaregi links marked 要更新", "count", n)
		}
		s.Smaregi.RefreshNames(ctx)
		s.Ubiregi.RefreshNames(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Connect opens a pool on cfg.DatabaseURL and builds the services, for the
// operator's commands and workers: they never migrate, and refuse (with
// ErrSchemaBehind) a database whose schema is behind this binary. Close
// releases the pool.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*Services, error) {
	if cfg.DatabaseURL == "" {
		return nil, errNoDatabaseURL
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	svc, err := NewServices(pool, cfg, log, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return svc, nil
}

// Close releases the database pools.
func (s *Services) Close() {
	s.Reads.Close()
	s.Pool.Close()
}

// checkSchema returns ErrSchemaBehind, saying what to run, unless every
// migration of this binary is applied.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	latest, err := db.LatestVersion()
	if err != nil {
		return err
	}
	applied, err := db.AppliedVersion(ctx, pool)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table: never migrated
		applied, err = 0, nil
	}
	if err != nil {
		return err
	}
	if applied < latest {
		return fmt.Errorf("%w: it is at migration %d, this poslink needs %d; run `poslink migrate up` first",
			ErrSchemaBehind, applied, latest)
	}
	return nil
}
