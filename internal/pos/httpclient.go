package pos

import (
	"net/http"
	"time"
)

// idleConnsPerHost is how many idle connections the provider client keeps
// to one host. Each provider is one API host, and the poller has dozens of
// calls to it in flight (Config.Concurrency): with net/http's default of
// two, every call beyond the second would open, and pay the TLS handshake
// of, a new connection.
const idleConnsPerHost = 64

// NewHTTPClient is the client for calls to the providers: timeout bounds
// each call, and enough connections to one host are kept for reuse.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idleConnsPerHost
	t.MaxIdleConns = 4 * idleConnsPerHost
	return &http.Client{Timeout: timeout, Transport: t}
}
