// Package app is poslink's composition root: it builds the domain services
// on the database pool (NewServices, for every entry point and the tests),
// the portal's HTTP server and the background jobs on them, and shuts them
// down in order.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/live"
	"github.com/poslink/poslink/internal/portal"
)

// App is one running portal instance: the services, the portal on them and
// the background jobs.
type App struct {
	*Services
	cfg     config.Config
	log     *slog.Logger
	portal  *portal.Server
	handler http.Handler
	// live is the instance's listening connection for the transaction
	// streams; Serve runs it.
	live *live.Hub
	// readTimeout and writeTimeout are the HTTP server's.
	readTimeout, writeTimeout time.Duration

	latestMigration int64
	shuttingDown    atomic.Bool
}

// Open migrates the database at cfg.DatabaseURL, connects and builds the
// app, as serve and demo do. Close releases it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if cfg.DatabaseURL == "" {
		return nil, errNoDatabaseURL
	}
	n, err := db.Migrate(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("migrations applied", "count", n)
	}
	svc, err := Connect(ctx, cfg, log, opts)
	if err != nil {
		return nil, err
	}
	a, err := New(svc, cfg, log, opts)
	if err != nil {
		svc.Close()
		return nil, err
	}
	return a, nil
}

// New builds the portal on svc, whose database must be migrated (tests
// build it on a database of their own).
func New(svc *Services, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	latest, err := db.LatestVersion()
	if err != nil {
		return nil, err
	}
	a := &App{Services: svc, cfg: cfg, log: log, latestMigration: latest, live: live.New(svc.Pool.Config().ConnConfig, log),
		readTimeout: cmp.Or(opts.ReadTimeout, 30*time.Second), writeTimeout: cmp.Or(opts.WriteTimeout, 60*time.Second)}
	a.portal, err = portal.New(portal.Config{
		BaseURL:         cfg.BaseURL,
		TrustProxy:      cfg.TrustProxy,
		SessionLifetime: cfg.SessionLifetime,
		SessionIdle:     cfg.SessionIdle,
		Location:        cfg.TimeZone,
		Demo:            opts.Demo,
		UbiregiURL:      cfg.UbiregiURL,
	}, portal.Deps{Pool: svc.Pool, Reads: svc.Reads, Tenancy: svc.Tenancy, Auth: svc.Auth, Links: svc.Links, Ubiregi: svc.Ubiregi,
		Smaregi: svc.Smaregi, PollStatus: svc.PollStatus, Dashboard: svc.Dashboard, Stills: svc.Stills, LivePictures: svc.LivePictures, Logger: log,
		Ready: a.ready, Live: a.live, Tokens: svc.Tokens})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", svc.MetricsHandler())
	mux.Handle("/", a.portal)
	a.handler = mux
	return a, nil
}

// Handler is the instance's HTTP handler: the portal, and /metrics.
func (a *App) Handler() http.Handler { return a.handler }

// Portal is the portal's own handler within Handler, for tests that walk
// its routes.
func (a *App) Portal() *portal.Server { return a.portal }

// RunLive listens for new transactions until ctx ends, as Serve does:
// for tests that serve Handler themselves and want the live streams fed.
func (a *App) RunLive(ctx context.Context) { a.live.Run(ctx) }

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

// Serve answers HTTP on ln and runs the background jobs (and the poller
// with the stills fetcher, unless switched off) until ctx is done; then
// stops the jobs, the poller and the fetcher (which release their leases),
// reports not ready for the shutdown delay, stops taking requests and lets
// those in flight finish within the shutdown timeout; last, writes the API
// tokens' uses noted by the requests.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.readTimeout,
		WriteTimeout:      a.writeTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var jobs sync.WaitGroup
	jobs.Go(func() { a.Maintain(jobsCtx) })
	if a.cfg.Poller {
		jobs.Go(func() { a.RunPoller(jobsCtx) })
		jobs.Go(func() { a.RunStills(jobsCtx) })
	}
	// The transaction streams last until the server shuts down: then the
	// hub stops and ends them, or Shutdown would wait for them in vain.
	liveCtx, stopLive := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLive()
	srv.RegisterOnShutdown(stopLive)
	jobs.Go(func() { a.live.Run(liveCtx) })
	// The tokens' uses are written until no request can note one more:
	// the flusher's final write comes after the server has shut down.
	usesCtx, stopUses := context.WithCancel(context.WithoutCancel(ctx))
	defer stopUses()
	jobs.Go(func() { a.Tokens.RunUseFlusher(usesCtx, a.log) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var err error
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		a.shuttingDown.Store(true)
		stopJobs()
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
	stopLive()
	stopUses()
	jobs.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}
