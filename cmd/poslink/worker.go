package main

import (
	"context"
	"io"
	"net"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/config"
)

// runWorker runs the transaction poller and the periodic jobs against
// DATABASE_URL without the portal, so that polling scales apart from the
// web; /metrics and /healthz on POSLINK_WORKER_ADDR. Like the operator's
// commands it never migrates: the schema must be current.
func runWorker(ctx context.Context, args []string, e env, _ io.Reader, _, stderr io.Writer) error {
	cfg, err := config.Parse("worker", args, e, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	svc, err := app.Connect(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	var ln net.Listener
	if cfg.WorkerAddr != "" {
		if ln, err = listen(ctx, cfg.WorkerAddr); err != nil {
			return err
		}
	}
	log.Info("poslink worker started")
	return app.RunWorker(ctx, svc, cfg, log, ln)
}
