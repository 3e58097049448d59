// Package config reads poslink's settings from environment variables and
// command-line flags (a flag wins over its variable), once, in main.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/secret"
)

// Config is every setting of the portal.
type Config struct {
	Addr            string
	DatabaseURL     string
	BaseURL         string
	TimeZone        *time.Location
	LogLevel        slog.Level
	LogFormat       string
	SessionLifetime time.Duration
	SessionIdle     time.Duration
	TrustProxy      bool
	ShutdownTimeout time.Duration
	ShutdownDelay   time.Duration
	// Poller runs the transaction poller inside serve and demo (a worker
	// always runs it).
	Poller bool
	// PollInterval, PollConcurrency, PollAccountRate and Backfill shape the
	// poller (see internal/poller.Config).
	PollInterval    time.Duration
	PollConcurrency int
	PollAccountRate float64
	Backfill        time.Duration
	// Stills runs the fetcher of the transactions' stills wherever the
	// poller runs; StillsConcurrency, StillsCacheBytes and
	// StillsPaymentWindow shape it (see internal/stills.Config).
	Stills              bool
	StillsConcurrency   int
	StillsCacheBytes    int64
	StillsPaymentWindow time.Duration
	// WorkerAddr is where `worker` answers /metrics and /healthz (empty:
	// nowhere).
	WorkerAddr string
	// DataDir is where `demo` keeps its database and generated keys.
	DataDir string
	// The providers' base URLs: the real services by default, the built-in
	// simulators in the demo.
	UbiregiURL       string
	SmaregiIDURL     string
	SmaregiAPIURL    string
	SmaregiLegacyURL string
	CameraURL        string
	// CameraAPIKey is the portal's key at the camera cloud (a Safie
	// "APIキー認証アプリケーション"); the demo sets the simulator's.
	CameraAPIKey Secret
	// SmaregiLegacyCutover is when the old Smaregi API stops answering.
	SmaregiLegacyCutover time.Time
	// SecretKeys seal stored credentials (nil when not configured).
	SecretKeys *secret.Keyring
	// The portal's OAuth client at Ubiregi.
	UbiregiClientID, UbiregiClientSecret string
	// The simulators of `demo` and `sim`: their seed and addresses.
	SimSeed                                       uint64
	SimUbiregiAddr, SimSmaregiAddr, SimCameraAddr string
}

// Setting documents one setting: its variable, flag, default and meaning.
// The README's table is written from this list.
type Setting struct {
	Env, Flag, Default, Help string
}

// Settings lists every setting in the order the README shows them.
var Settings = []Setting{
	{"POSLINK_ADDR", "addr", "127.0.0.1:8080", "address the portal listens on"},
	{"DATABASE_URL", "database-url", "", "PostgreSQL URL (required by serve and migrate; demo starts its own database when empty)"},
	{"POSLINK_BASE_URL", "base-url", "http://<addr>", "public URL of the portal; an https URL makes cookies Secure"},
	{"POSLINK_TIMEZONE", "timezone", "Asia/Tokyo", "time zone of dates shown and of the POS option's usable-from day"},
	{"POSLINK_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"POSLINK_LOG_FORMAT", "log-format", "text", "text or json"},
	{"POSLINK_SESSION_LIFETIME", "session-lifetime", "12h", "longest a login lasts"},
	{"POSLINK_SESSION_IDLE", "session-idle", "2h", "logout after this long without a request"},
	{"POSLINK_TRUST_PROXY", "trust-proxy", "false", "take the client address from X-Forwarded-For (behind a load balancer)"},
	{"POSLINK_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long requests in flight may finish on shutdown"},
	{"POSLINK_SHUTDOWN_DELAY", "shutdown-delay", "0s", "on shutdown, answer /readyz with 503 this long before closing the port, so a load balancer stops sending requests first"},
	{"POSLINK_POLLER", "poller", "true", "run the transaction poller inside serve and demo (false: only `poslink worker` instances poll)"},
	{"POSLINK_POLL_INTERVAL", "poll-interval", "60s", "how often each linked POS account with a bound terminal is polled for new transactions"},
	{"POSLINK_POLL_CONCURRENCY", "poll-concurrency", "32", "polls (so calls to the POS providers) one instance runs at once"},
	{"POSLINK_POLL_ACCOUNT_RATE", "poll-account-rate", "4", "most requests a second one instance sends for one POS account (Smaregi limits each contract)"},
	{"POSLINK_BACKFILL", "backfill", "72h", "how far back a new link's transactions are fetched, and shown on the camera a terminal is first bound to"},
	{"POSLINK_STILLS", "stills", "true", "fetch the camera's still of each transaction wherever the poller runs (serve and demo unless POSLINK_POLLER is false, and worker)"},
	{"POSLINK_STILLS_CONCURRENCY", "stills-concurrency", "8", "stills (so calls to the camera cloud) one instance fetches at once"},
	{"POSLINK_STILLS_CACHE_MB", "stills-cache-mb", "1024", "most megabytes of payments' stills kept (oldest sales dropped first); stills of キャンセル / 修正 / 削除 are kept apart and never dropped"},
	{"POSLINK_STILLS_PAYMENT_WINDOW", "stills-payment-window", "72h", "payments sold longer ago get no still (キャンセル / 修正 / 削除 always do)"},
	{"POSLINK_WORKER_ADDR", "worker-addr", "127.0.0.1:8081", "worker only: where /metrics and /healthz are answered (empty: not at all)"},
	{"POSLINK_DATA_DIR", "data-dir", "./var", "demo only: where the private database and keys live"},
	{"POSLINK_UBIREGI_URL", "ubiregi-url", "https://ubiregi.com", "Ubiregi: OAuth2 and API v3 base URL"},
	{"POSLINK_SMAREGI_ID_URL", "smaregi-id-url", "https://id.smaregi.jp", "Smaregi Platform ID host (app access tokens)"},
	{"POSLINK_SMAREGI_API_URL", "smaregi-api-url", "https://api.smaregi.jp", "Smaregi Platform API host (POS API)"},
	{"POSLINK_SMAREGI_LEGACY_URL", "smaregi-legacy-url", "https://webapi.smaregi.jp", "legacy Smaregi API host (links made before 2026-01-24)"},
	{"POSLINK_SMAREGI_LEGACY_CUTOVER", "smaregi-legacy-cutover", "2026-01-24", "day (in POSLINK_TIMEZONE) from which links on the old Smaregi API are 要更新 and no longer polled"},
	{"POSLINK_CAMERA_URL", "camera-url", "https://openapi.safie.link", "camera cloud API base URL"},
	{"POSLINK_CAMERA_API_KEY", "camera-api-key", "", "the portal's API key at the camera cloud (sent as Safie-API-Key; never shown); demo sets the simulator's"},
	{"POSLINK_SECRET_KEYS", "secret-keys", "", "keys sealing stored tokens and secrets (AES-256-GCM): id:base64key[,id:base64key…], newest first; required by serve; demo keeps its own in ./var"},
	{"POSLINK_UBIREGI_CLIENT_ID", "ubiregi-client-id", "", "the portal's OAuth2 client ID at Ubiregi"},
	{"POSLINK_UBIREGI_CLIENT_SECRET", "ubiregi-client-secret", "", "the portal's OAuth2 client secret at Ubiregi"},
	{"POSLINK_SIM_SEED", "sim-seed", "2026", "demo and sim: seed of the simulated shops and credentials"},
	{"POSLINK_SIM_UBIREGI_ADDR", "sim-ubiregi-addr", "127.0.0.1:8091", "demo and sim: where the Ubiregi simulator listens"},
	{"POSLINK_SIM_SMAREGI_ADDR", "sim-smaregi-addr", "127.0.0.1:8092", "demo and sim: where the Smaregi simulator listens"},
	{"POSLINK_SIM_CAMERA_ADDR", "sim-camera-addr", "127.0.0.1:8093", "demo and sim: where the camera-cloud simulator listens"},
}

// secretSettings are the settings whose value is never shown: --help
// does not print their variable's value as the flag's default. A database
// URL may carry the password.
var secretSettings = map[string]bool{"POSLINK_CAMERA_API_KEY": true, "POSLINK_SECRET_KEYS": true,
	"POSLINK_UBIREGI_CLIENT_SECRET": true, "DATABASE_URL": true}

// Parse reads the settings from env (a lookup such as os.LookupEnv) and
// args (flags after the subcommand).
func Parse(name string, args []string, env func(string) (string, bool), stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := make(map[string]*string, len(Settings))
	fromEnv := map[string]string{} // the secret settings' variables
	for _, s := range Settings {
		def := s.Default
		if v, ok := env(s.Env); ok && secretSettings[s.Env] {
			fromEnv[s.Env] = v
		} else if ok {
			def = v
		}
		vals[s.Env] = fs.String(s.Flag, def, s.Help+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	get := func(k string) string {
		v := strings.TrimSpace(*vals[k])
		if v == "" {
			v = strings.TrimSpace(fromEnv[k])
		}
		return v
	}

	var c Config
	var errs []error
	c.Addr = get("POSLINK_ADDR")
	c.DatabaseURL = get("DATABASE_URL")
	c.BaseURL = get("POSLINK_BASE_URL")
	if c.BaseURL == "http://<addr>" || c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("POSLINK_BASE_URL %q: want an http or https URL", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	loc, err := time.LoadLocation(get("POSLINK_TIMEZONE"))
	if err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_TIMEZONE: %w", err))
	}
	c.TimeZone = loc
	if err := c.LogLevel.UnmarshalText([]byte(get("POSLINK_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_LOG_LEVEL: %w", err))
	}
	c.LogFormat = get("POSLINK_LOG_FORMAT")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("POSLINK_LOG_FORMAT %q: want text or json", c.LogFormat))
	}
	dur := func(k string, dst *time.Duration) {
		d, err := time.ParseDuration(get(k))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s %q: want a positive duration such as 15s or 2h", k, get(k)))
		}
		*dst = d
	}
	dur("POSLINK_SESSION_LIFETIME", &c.SessionLifetime)
	dur("POSLINK_SESSION_IDLE", &c.SessionIdle)
	dur("POSLINK_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	if c.ShutdownDelay, err = time.ParseDuration(get("POSLINK_SHUTDOWN_DELAY")); err != nil || c.ShutdownDelay < 0 {
		errs = append(errs, fmt.Errorf("POSLINK_SHUTDOWN_DELAY %q: want a duration such as 0s or 10s", get("POSLINK_SHUTDOWN_DELAY")))
	}
	if c.TrustProxy, err = strconv.ParseBool(get("POSLINK_TRUST_PROXY")); err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_TRUST_PROXY %q: want true or false", get("POSLINK_TRUST_PROXY")))
	}
	if c.Poller, err = strconv.ParseBool(get("POSLINK_POLLER")); err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_POLLER %q: want true or false", get("POSLINK_POLLER")))
	}
	dur("POSLINK_POLL_INTERVAL", &c.PollInterval)
	dur("POSLINK_BACKFILL", &c.Backfill)
	if c.PollConcurrency, err = strconv.Atoi(get("POSLINK_POLL_CONCURRENCY")); err != nil || c.PollConcurrency < 1 || c.PollConcurrency > 10000 {
		errs = append(errs, fmt.Errorf("POSLINK_POLL_CONCURRENCY %q: want a whole number from 1 to 10000", get("POSLINK_POLL_CONCURRENCY")))
	}
	if c.PollAccountRate, err = strconv.ParseFloat(get("POSLINK_POLL_ACCOUNT_RATE"), 64); err != nil ||
		!(c.PollAccountRate > 0 && c.PollAccountRate <= 1000) {
		errs = append(errs, fmt.Errorf("POSLINK_POLL_ACCOUNT_RATE %q: want requests a second, more than 0 and at most 1000", get("POSLINK_POLL_ACCOUNT_RATE")))
	}
	if c.Stills, err = strconv.ParseBool(get("POSLINK_STILLS")); err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_STILLS %q: want true or false", get("POSLINK_STILLS")))
	}
	if c.StillsConcurrency, err = strconv.Atoi(get("POSLINK_STILLS_CONCURRENCY")); err != nil || c.StillsConcurrency < 1 || c.StillsConcurrency > 1000 {
		errs = append(errs, fmt.Errorf("POSLINK_STILLS_CONCURRENCY %q: want a whole number from 1 to 1000", get("POSLINK_STILLS_CONCURRENCY")))
	}
	if mb, err := strconv.ParseInt(get("POSLINK_STILLS_CACHE_MB"), 10, 64); err != nil || mb < 1 || mb > 1<<24 {
		errs = append(errs, fmt.Errorf("POSLINK_STILLS_CACHE_MB %q: want a whole number of megabytes from 1 to 16777216", get("POSLINK_STILLS_CACHE_MB")))
	} else {
		c.StillsCacheBytes = mb << 20
	}
	dur("POSLINK_STILLS_PAYMENT_WINDOW", &c.StillsPaymentWindow)
	c.WorkerAddr = get("POSLINK_WORKER_ADDR")
	c.DataDir = get("POSLINK_DATA_DIR")
	for _, u := range []struct {
		env string
		dst *string
	}{
		{"POSLINK_UBIREGI_URL", &c.UbiregiURL}, {"POSLINK_SMAREGI_ID_URL", &c.SmaregiIDURL},
		{"POSLINK_SMAREGI_API_URL", &c.SmaregiAPIURL}, {"POSLINK_SMAREGI_LEGACY_URL", &c.SmaregiLegacyURL},
		{"POSLINK_CAMERA_URL", &c.CameraURL},
	} {
		v := strings.TrimRight(get(u.env), "/")
		if p, err := url.Parse(v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want an http or https URL", u.env, v))
		}
		*u.dst = v
	}
	if c.SimSeed, err = strconv.ParseUint(get("POSLINK_SIM_SEED"), 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("POSLINK_SIM_SEED %q: want a whole number", get("POSLINK_SIM_SEED")))
	}
	if loc != nil {
		if c.SmaregiLegacyCutover, err = time.ParseInLocation(time.DateOnly, get("POSLINK_SMAREGI_LEGACY_CUTOVER"), loc); err != nil {
			errs = append(errs, fmt.Errorf("POSLINK_SMAREGI_LEGACY_CUTOVER %q: want YYYY-MM-DD", get("POSLINK_SMAREGI_LEGACY_CUTOVER")))
		}
	}
	if v := get("POSLINK_SECRET_KEYS"); v != "" {
		if c.SecretKeys, err = secret.ParseKeys(v); err != nil {
			errs = append(errs, fmt.Errorf("POSLINK_SECRET_KEYS: %w", err))
		}
	}
	c.CameraAPIKey = Secret(get("POSLINK_CAMERA_API_KEY"))
	c.UbiregiClientID = get("POSLINK_UBIREGI_CLIENT_ID")
	c.UbiregiClientSecret = get("POSLINK_UBIREGI_CLIENT_SECRET")
	c.SimUbiregiAddr = get("POSLINK_SIM_UBIREGI_ADDR")
	c.SimSmaregiAddr = get("POSLINK_SIM_SMAREGI_ADDR")
	c.SimCameraAddr = get("POSLINK_SIM_CAMERA_ADDR")
	return c, errors.Join(errs...)
}

// Logger builds the process's logger.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
