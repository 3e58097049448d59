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

// Services are the domain services on one database: what the portal, the
// operator's commands, background workers and the tests all run on. They
// are built in one place, NewServices.
type Services struct {
	Pool    *pgxpool.Pool
	Tenancy *tenancy.Store
	Auth    *auth.Authenticator
	Links   *link.Store
	Ubiregi *ubiregilink.Service
	Smaregi *smaregilink.Service
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
	// HTTPClient calls Ubiregi and Smaregi; one with a 15 s timeout when nil.
	HTTPClient *http.Client
	// Demo lists the demo's accounts on the login page (portal only).
	Demo *views.DemoInfo
}

// ErrSchemaBehind is Connect's error when the database lacks migrations
// that this binary has.
var ErrSchemaBehind = errors.New("the database schema is behind this poslink")

var errNoDatabaseURL = errors.New("DATABASE_URL is not set: give the PostgreSQL URL (or run `poslink demo` for a private database)")

// NewServices builds the services on pool with the settings of cfg (time
// zone, sealing keys, the providers' URLs and the portal's OAuth client).
func NewServices(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger, opts Options) *Services {
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
		httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	s := &Services{Pool: pool}
	s.Tenancy = tenancy.NewStore(pool, now, cfg.TimeZone)
	s.Auth = auth.New(pool, s.Tenancy, auth.DefaultPolicy, log)
	s.Links = link.NewStore(pool, cfg.SecretKeys, s.Tenancy, now)
	s.Ubiregi = ubiregilink.New(ubiregilink.Config{
		BaseURL: cfg.UbiregiURL, ClientID: cfg.UbiregiClientID, ClientSecret: cfg.UbiregiClientSecret,
		RedirectURL: cfg.BaseURL + portal.UbiregiCallbackPath, HTTPClient: httpClient, Now: providerNow, Logger: log,
	}, s.Links)
	s.Smaregi = smaregilink.New(smaregilink.Config{
		IDBaseURL: cfg.SmaregiIDURL, APIBaseURL: cfg.SmaregiAPIURL, LegacyBaseURL: cfg.SmaregiLegacyURL,
		LegacyCutover: cfg.SmaregiLegacyCutover, HTTPClient: httpClient, Now: providerNow, Logger: log,
	}, s.Links)
	return s
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
	return NewServices(pool, cfg, log, opts), nil
}

// Close releases the database pool.
func (s *Services) Close() { s.Pool.Close() }

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
