package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/config"
)

func runServe(ctx context.Context, args []string, e env, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("serve", args, e, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return serve(ctx, a, cfg.Addr, func(url string) {
		log.Info("poslink serving", "url", url)
	})
}

// serve answers on addr until ctx is done. started is called with the URL
// once the port is open.
func serve(ctx context.Context, a *app.App, addr string, started func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	started("http://" + ln.Addr().String())
	return a.Serve(ctx, ln)
}
