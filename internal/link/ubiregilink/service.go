// Package ubiregilink links a tenant's Ubiregi account: the OAuth2 consent
// (state bound to the session, PKCE), the code exchange, the account's
// terminals, and keeping the grant alive by refreshing it ahead of expiry.
package ubiregilink

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// Config is how to reach Ubiregi as the portal's OAuth client.
type Config struct {
	// BaseURL is Ubiregi's (https://ubiregi.com, or the simulator's).
	BaseURL      string
	ClientID     string
	ClientSecret string
	// RedirectURL is the portal's callback, registered at Ubiregi.
	RedirectURL string
	HTTPClient  *http.Client
	// Timeout bounds each call to Ubiregi (zero: ubiregi.DefaultTimeout).
	Timeout time.Duration
	// Now is the service's clock (nil: time.Now): token expiries, the
	// device cache, Retry-After dates. Refresh leases, which instances
	// share, are on the database's clock instead.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service links Ubiregi accounts.
type Service struct {
	cfg     Config
	links   *link.Store
	api     *ubiregi.Client
	now     func() time.Time
	log     *slog.Logger
	devices *deviceCache
	// directories are the accounts' names the feeds use.
	directories *directories
}

// New returns the service.
func New(cfg Config, links *link.Store) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	api := ubiregi.New(ubiregi.Config{BaseURL: cfg.BaseURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.RedirectURL, HTTPClient: cfg.HTTPClient, Timeout: cfg.Timeout, Now: now})
	return &Service{cfg: cfg, links: links, api: api, now: now, log: log.With("provider", "ubiregi"),
		devices: newDeviceCache(deviceCacheTTL, deviceCacheSize, now), directories: newDirectories()}
}

// systemActor is who the audit log names when the service itself changes
// a connection, e.g. marks it 要再認証 after Ubiregi refused a refresh.
var systemActor = audit.Actor{Label: "system:ubiregi"}

// The errors people can meet, beyond link's.
var (
	// ErrDenied: the owner pressed 許可しない at Ubiregi.
	ErrDenied = apperr.New(apperr.Invalid, "err.ubiregi_denied")
	// ErrReauthRequired: Ubiregi no longer honours the stored grant (要再認証).
	ErrReauthRequired = apperr.New(apperr.Conflict, "err.ubiregi_reauth")
	// ErrTerminalUnknown: the terminal is not a device of the account.
	ErrTerminalUnknown = apperr.New(apperr.NotFound, "err.ubiregi_terminal_unknown")
	// ErrTerminalRequired, ErrCameraRequired: a form came without them.
	ErrTerminalRequired = apperr.New(apperr.Invalid, "err.ubiregi_terminal_required")
	ErrCameraRequired   = apperr.New(apperr.Invalid, "err.ubiregi_camera_required")
	// ErrNothingToUnbind: a terminal chosen for deletion feeds no camera
	// on this connection.
	ErrNothingToUnbind = apperr.New(apperr.NotFound, "err.ubiregi_unbind_not_found")
)
