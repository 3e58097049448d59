package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/config"
)

// RunWorker runs the poller, the stills fetcher and the periodic jobs on
// svc, without the portal, until ctx ends; then stops them (the poller and
// the fetcher release their leases) within the shutdown timeout. When ln
// is not nil it answers /metrics and /healthz there.
func RunWorker(ctx context.Context, svc *Services, cfg config.Config, log *slog.Logger, ln net.Listener) error {
	jobsCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	var jobs sync.WaitGroup
	jobs.Go(func() { svc.Maintain(jobsCtx) })
	jobs.Go(func() { svc.RunPoller(jobsCtx) })
	jobs.Go(func() { svc.RunStills(jobsCtx) })
	var srv *http.Server
	serveErr := make(chan error, 1)
	if ln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", svc.MetricsHandler())
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
		})
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { serveErr <- srv.Serve(ln) }()
		log.Info("poslink worker answering /metrics and /healthz", "url", "http://"+ln.Addr().String())
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("worker http: %w", err)
	}
	log.Info("worker stopping", "timeout", cfg.ShutdownTimeout)
	stopJobs()
	stopped := make(chan struct{})
	go func() { jobs.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(cfg.ShutdownTimeout):
		err = errors.Join(err, errors.New("worker: background jobs did not stop within the shutdown timeout"))
	}
	if srv != nil {
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		if e := srv.Shutdown(shutCtx); e != nil && !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
	}
	return err
}
