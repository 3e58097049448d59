package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/demo"
	"github.com/poslink/poslink/internal/pgembed"
)

// demoDatabase is the database the demo keeps in its private cluster.
const demoDatabase = "poslink"

// runDemo runs the portal on a private PostgreSQL under the data directory
// (unless DATABASE_URL is set), seeded with the demo tenant.
func runDemo(ctx context.Context, args []string, e env, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("demo", args, e, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if cfg.DatabaseURL == "" {
		cluster, url, err := startDemoDatabase(ctx, cfg.DataDir, log)
		if err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				log.Error("stop private PostgreSQL", "err", err)
			}
		}()
		cfg.DatabaseURL = url
	}

	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	seeded, err := demo.Seed(ctx, a.Tenancy)
	if err != nil {
		return err
	}
	if seeded.Created {
		log.Info("demo tenant seeded", "tenant_id", seeded.TenantID)
	}
	return serve(ctx, a, cfg.Addr, func(url string) {
		printBanner(stdout, url, cfg.DataDir)
		if err := writeDemoJSON(cfg.DataDir, url); err != nil {
			log.Warn("write demo.json", "err", err)
		}
	})
}

// startDemoDatabase starts (initialising on first run) the private cluster
// in dataDir/pg and makes sure the demo database exists.
func startDemoDatabase(ctx context.Context, dataDir string, log *slog.Logger) (*pgembed.Cluster, string, error) {
	binDir, err := pgembed.EnsureBinaries(ctx, func(format string, args ...any) {
		log.Info(fmt.Sprintf(format, args...))
	})
	if err != nil {
		return nil, "", err
	}
	cluster, err := pgembed.Start(ctx, pgembed.Options{
		DataDir: filepath.Join(dataDir, "pg"), BinDir: binDir, Logger: log})
	if err != nil {
		return nil, "", err
	}
	if err := createDatabase(ctx, cluster.ConnString("postgres"), demoDatabase); err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return nil, "", errors.Join(err, cluster.Stop(stopCtx))
	}
	return cluster, cluster.ConnString(demoDatabase), nil
}

// createDatabase creates name unless it exists.
func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to private PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func printBanner(w io.Writer, url, dataDir string) {
	fmt.Fprintf(w, `
poslink demo is running

  portal          %s
  camera owner    %s / %s   (tenant %s)
  support staff   %s / %s
  data            %s   (delete it to start over)

Press Ctrl-C to stop.

`, url, demo.OwnerEmail, demo.OwnerPassword, demo.TenantName, demo.StaffEmail, demo.StaffPassword, dataDir)
}

// demoInfo is var/demo.json: what the banner says, for scripts.
type demoInfo struct {
	Portal string      `json:"portal"`
	Owner  demoAccount `json:"owner"`
	Staff  demoAccount `json:"staff"`
}

type demoAccount struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func writeDemoJSON(dataDir, url string) error {
	b, err := json.MarshalIndent(demoInfo{
		Portal: url,
		Owner:  demoAccount{demo.OwnerEmail, demo.OwnerPassword},
		Staff:  demoAccount{demo.StaffEmail, demo.StaffPassword},
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, "demo.json"), append(b, '\n'), 0o644)
}
