// Package ubiregi is a client of the Ubiregi (ユビレジ) API v3 as poslink
// uses it: the OAuth2 authorization-code flow of ubiregi.com (with
// Ubiregi's token extensions account_id and refresh_token_expires_in),
// the current account with its devices (the POS terminals), cashiers and
// payment types, and the checkouts collection read page by page (sync
// loop and normalization to pos.Transaction: checkouts.go, transaction.go).
// It speaks the real API's documented and observed shapes
// (shared/pos-apis.md §1) and knows nothing of poslink's database: pointing
// it at the real host or at the simulator is a matter of BaseURL.
//
// Every call is bounded in time and in the size of the answer read, and
// every failure is a *pos.Error of one of pos's classes, with one of the
// Reason constants where the class alone does not say what happened (a
// refresh token refused is ReasonInvalidGrant). Errors never carry a
// token, a code or a response body.
package ubiregi

import (
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Config is how to reach Ubiregi as a registered OAuth client.
type Config struct {
	// BaseURL is https://ubiregi.com (or a simulator's address).
	BaseURL      string
	ClientID     string
	ClientSecret string
	// RedirectURL is the client's callback registered at Ubiregi.
	RedirectURL string
	// HTTPClient makes the requests (nil: a client of its own).
	HTTPClient *http.Client
	// Timeout bounds every call, connection to last byte (zero: 10 s).
	Timeout time.Duration
	// Now is the clock a Retry-After date is read against (nil: time.Now).
	Now func() time.Time
}

// DefaultTimeout bounds a call when Config.Timeout is zero: long enough for
// a slow day at Ubiregi, short enough for a person waiting on a page.
const DefaultTimeout = 10 * time.Second

// maxBody bounds what is read of an answer. An account with its menus,
// cashiers and devices is a few kilobytes; anything near this is not one.
const maxBody = 4 << 20

// Client calls Ubiregi. It is safe for concurrent use.
type Client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	now     func() time.Time
	oauth   *oauth2.Config
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		base: base, http: hc, timeout: timeout, now: now,
		oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			// Ubiregi documents HTTP Basic client authentication; naming
			// the style also keeps the library from probing with a second
			// request after a refusal.
			Endpoint: oauth2.Endpoint{
				AuthURL: base + "/oauth2/authorize", TokenURL: base + "/oauth2/token",
				AuthStyle: oauth2.AuthStyleInHeader,
			},
			// Ubiregi has a single level of authorization: no scopes.
		},
	}
}
