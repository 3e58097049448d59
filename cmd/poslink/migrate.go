package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/db"
)

func runMigrate(ctx context.Context, args []string, e env, _ io.Reader, stdout, stderr io.Writer) error {
	action := "up"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		action, args = args[0], args[1:]
	}
	cfg, err := config.Parse("migrate", args, e, stderr)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	switch action {
	case "up":
		n, err := db.Migrate(ctx, cfg.DatabaseURL, cfg.Logger(stderr))
		if err != nil {
			return err
		}
		v, err := db.LatestVersion()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "applied %d migration(s); schema at version %d\n", n, v)
		return err
	case "status":
		st, err := db.MigrationStatus(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			if _, err := fmt.Fprintf(stdout, "%-8s %05d %s\n", state, m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("%w: migrate takes up or status, not %q", errUsage, action)
	}
}
