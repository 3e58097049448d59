// Package app wires poslink together: the database pool, the domain
// services, the portal's HTTP server and the background jobs, and shuts
// them down in order.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// App is one running portal instance.
type App struct {
	cfg     config.Config
	log     *slog.Logger
	Pool    *pgxpool.Pool
	Tenancy *tenancy.Store
	Auth    *auth.Authenticator
	Links   *link.Store
	Ubiregi *ubiregilink.Service
	Smaregi *smaregilink.Service
	portal  *portal.Server

	latestMigration int64
	shuttingDown    atomic.Bool
}

// Options change what Open builds, for tests and the demo.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Demo lists the demo's accounts on the login page.
	Demo *views.DemoInfo
}

// Open migrates the database at cfg.DatabaseURL, connects and builds the
// services. Close releases them.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set: give the PostgreSQL URL (or run `poslink demo` for a private database)")
	}
	n, err := db.Migrate(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("migrations applied", "count", n)
	}
	latest, err := db.LatestVersion()
	if err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &App{cfg: cfg, log: log, Pool: pool, latestMigration: latest}
	a.Tenancy = tenancy.NewStore(pool, now, cfg.TimeZone)
	a.Auth = auth.New(pool, a.Tenancy, auth.DefaultPolicy, log)
	a.Links = link.NewStore(pool, cfg.SecretKeys, a.Tenancy, now)
	httpClient := &http.Client{Timeout: 15 * time.Second}
	a.Ubiregi = ubiregilink.New(ubiregilink.Config{
		BaseURL: cfg.UbiregiURL, ClientID: cfg.UbiregiClientID, ClientSecret: cfg.UbiregiClientSecret,
		RedirectURL: cfg.BaseURL + portal.UbiregiCallbackPath, HTTPClient: httpClient, Now: now, Logger: log,
	}, a.Links)
	a.Smaregi = smaregilink.New(smaregilink.Config{
		IDBaseURL: cfg.SmaregiIDURL, APIBaseURL: cfg.SmaregiAPIURL, LegacyBaseURL: cfg.SmaregiLegacyURL,
		LegacyCutover: cfg.SmaregiLegacyCutover, HTTPClient: httpClient, Now: now, Logger: log,
	}, a.Links)
	a.portal = portal.New(portal.Config{
		BaseURL:         cfg.BaseURL,
		TrustProxy:      cfg.TrustProxy,
		SessionLifetime: cfg.SessionLifetime,
		SessionIdle:     cfg.SessionIdle,
		Location:        cfg.TimeZone,
		Demo:            opts.Demo,
	}, portal.Deps{Pool: pool, Tenancy: a.Tenancy, Auth: a.Auth, Links: a.Links, Ubiregi: a.Ubiregi,
		Smaregi: a.Smaregi, Logger: log, Ready: a.ready})
	return a, nil
}

// Handler is the portal's HTTP handler.
func (a *App) Handler() http.Handler { return a.portal }

// Close releases the database pool.
func (a *App) Close() { a.Pool.Close() }

// ready reports whether this instance should get traffic.
func (a *App) ready(ctx context.Context) error {
	if a.shuttingDown.Load() {
		return errors.New("shutting down")
	}
	v, err := db.AppliedVersion(ctx, a.Pool)
	if err != nil {
		return errors.New("database unreachable")
	}
	if v < a.latestMigration {
		return fmt.Errorf("database schema at version %d, this binary needs %d", v, a.latestMigration)
	}
	return nil
}

// Serve answers HTTP on ln and runs the background jobs until ctx is done,
// then reports not ready for the shutdown delay, stops taking requests, lets
// those in flight finish within the shutdown timeout and stops the jobs.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.portal,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var jobs sync.WaitGroup
	jobs.Go(func() { a.maintain(jobsCtx) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var err error
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		a.shuttingDown.Store(true)
		a.log.Info("shutting down", "delay", a.cfg.ShutdownDelay, "timeout", a.cfg.ShutdownTimeout)
		if a.cfg.ShutdownDelay > 0 {
			// Still serving, but /readyz says 503: the load balancer takes
			// this instance out before its port closes.
			time.Sleep(a.cfg.ShutdownDelay)
		}
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
		err = srv.Shutdown(shutCtx)
		cancel()
		if e := <-serveErr; !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
	}
	stopJobs()
	jobs.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// maintain runs the periodic jobs every few minutes: deletes expired
// sessions and stale login failures, refreshes Ubiregi grants ahead of
// expiry, and marks legacy Smaregi links past the cut-over 要更新. Running it
// on every instance is safe: the deletes are idempotent, refreshes take a row
// lock, and the marking is a conditional update.
func (a *App) maintain(ctx context.Context) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		if n, err := portal.PruneSessions(ctx, a.Pool); err != nil && ctx.Err() == nil {
			a.log.Warn("prune sessions", "err", err)
		} else if n > 0 {
			a.log.Debug("pruned sessions", "count", n)
		}
		if _, err := a.Auth.PruneFailures(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("prune login failures", "err", err)
		}
		a.Ubiregi.RefreshDue(ctx)
		if n, err := a.Smaregi.MarkRetiredLegacyLinks(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("mark retired legacy Smaregi links", "err", err)
		} else if n > 0 {
			a.log.Info("legacy Smaregi links marked 要更新", "count", n)
		}
		a.Smaregi.RefreshNames(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
