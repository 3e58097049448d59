// Package smaregilink links a tenant's Smaregi contract with the Platform
// API's client credentials, lists its terminals, and moves links made with
// the old API's access token to the new credentials.
package smaregilink

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/link"
)

// Config is how to reach Smaregi.
type Config struct {
	// IDBaseURL issues app tokens (https://id.smaregi.jp); APIBaseURL serves
	// the POS API (https://api.smaregi.jp); LegacyBaseURL the old API
	// (https://webapi.smaregi.jp).
	IDBaseURL, APIBaseURL, LegacyBaseURL string
	// LegacyCutover is when the old API stops: links still on an access
	// token are 要更新 from then on.
	LegacyCutover time.Time
	HTTPClient    *http.Client
	Now           func() time.Time
	Logger        *slog.Logger
}

// Service links Smaregi contracts.
type Service struct {
	cfg   Config
	links *link.Store
}

// New returns the service.
func New(cfg Config, links *link.Store) *Service {
	return &Service{cfg: cfg, links: links}
}
