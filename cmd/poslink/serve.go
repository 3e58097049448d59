package main

import (
	"context"
	"errors"
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
	if cfg.SecretKeys == nil {
		return errors.New("POSLINK_SECRET_KEYS is not set: serve needs a key to seal stored POS credentials (id:base64 of 32 random bytes, e.g. k1:$(head -c32 /dev/urandom | base64))")
	}
	log := cfg.Logger(stderr)
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("poslink serving", "url", "http://"+ln.Addr().String())
	return a.Serve(ctx, ln)
}

func listen(ctx context.Context, addr string) (net.Listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}
