// Package smaregilink links a tenant's Smaregi contract with the Platform
// API's client credentials, lists its terminals, and moves links made with
// the old API's access token to the new credentials.
package smaregilink

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// Config is how to reach Smaregi.
type Config struct {
	// IDBaseURL issues app tokens (https://id.smaregi.jp); APIBaseURL serves
	// the POS API (https://api.smaregi.jp); LegacyBaseURL the old API
	// (https://webapi.smaregi.jp).
	IDBaseURL, APIBaseURL, LegacyBaseURL string
	// LegacyCutover is when the old API stops: links still on an access
	// token are 要更新 from then on (the zero time: already stopped).
	LegacyCutover time.Time
	HTTPClient    *http.Client
	// Now is the clock of the cut-over and of cached tokens (nil: the link
	// store's).
	Now    func() time.Time
	Logger *slog.Logger
	// Timeout bounds each call to Smaregi (0: smaregi.DefaultTimeout, or
	// HTTPClient's own timeout when that is shorter). A person waits on it.
	Timeout time.Duration
}

// Service links Smaregi contracts. It is safe for concurrent use.
type Service struct {
	cfg   Config
	links *link.Store
	api   *smaregi.Client
	log   *slog.Logger

	mu     sync.Mutex
	tokens map[int64]cachedToken // app tokens by connection ID
}

// New returns the service.
func New(cfg Config, links *link.Store) *Service {
	if cfg.Now == nil {
		cfg.Now = links.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = smaregi.DefaultTimeout
	}
	if cfg.HTTPClient != nil && cfg.HTTPClient.Timeout > 0 {
		timeout = min(timeout, cfg.HTTPClient.Timeout)
	}
	return &Service{cfg: cfg, links: links, log: log, tokens: map[int64]cachedToken{},
		api: smaregi.New(smaregi.Config{IDBaseURL: cfg.IDBaseURL, APIBaseURL: cfg.APIBaseURL,
			LegacyBaseURL: cfg.LegacyBaseURL, HTTPClient: cfg.HTTPClient, Timeout: timeout, Now: cfg.Now})}
}

// LegacyCutover is the day the old API stops, for the pages' notice.
func (s *Service) LegacyCutover() time.Time { return s.cfg.LegacyCutover }

// credentials are what a Smaregi link seals: the app's client ID and secret,
// or, for a link made before the cut-over, the old API's access token.
type credentials struct {
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	AccessToken  string `json:"access_token,omitempty"`
}
