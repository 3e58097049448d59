// Package ubiregilink links a tenant's Ubiregi account: the OAuth2 consent
// (state bound to the session, PKCE), the code exchange, the account's
// terminals, and keeping the grant alive by refreshing it ahead of expiry.
package ubiregilink

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/link"
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
	Now         func() time.Time
	Logger      *slog.Logger
}

// Service links Ubiregi accounts.
type Service struct {
	cfg   Config
	links *link.Store
}

// New returns the service.
func New(cfg Config, links *link.Store) *Service {
	return &Service{cfg: cfg, links: links}
}
