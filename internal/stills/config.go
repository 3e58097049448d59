package stills

import (
	"log/slog"
	"time"

	"github.com/poslink/poslink/internal/workloop"
)

// Config is how a Fetcher runs. Zero fields take the defaults.
type Config struct {
	// Concurrency bounds this instance's fetches in flight, and so its
	// concurrent calls to the camera cloud.
	Concurrency int
	// CacheBytes bounds the payments' stored images; evidence is not
	// counted and never evicted.
	CacheBytes int64
	// PaymentWindow: payments sold longer ago are not fetched.
	PaymentWindow time.Duration
	// MaxAttempts failed fetches in a row make a still unreachable (tried
	// again after BackoffMax).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the wait after a failure.
	BackoffBase, BackoffMax time.Duration
	// LeaseFor is how long a claim holds a still.
	LeaseFor time.Duration
	// IdleWait is how long the claim loop sleeps when nothing was due;
	// EvictEvery how often the cache is trimmed and measured.
	IdleWait, EvictEvery time.Duration
	// Width and Height are the size of a stored still.
	Width, Height int
	// Owner names this instance in leases; random when empty.
	Owner  string
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultConcurrency   = 8
	DefaultCacheBytes    = 1 << 30
	DefaultPaymentWindow = 72 * time.Hour
	DefaultWidth         = 320
	DefaultHeight        = 180
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PaymentWindow, DefaultPaymentWindow)
	def(&c.BackoffBase, 15*time.Second)
	def(&c.BackoffMax, time.Hour)
	def(&c.LeaseFor, time.Minute)
	def(&c.IdleWait, time.Second)
	def(&c.EvictEvery, time.Minute)
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.CacheBytes <= 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = DefaultWidth, DefaultHeight
	}
	if c.Owner == "" {
		c.Owner = workloop.NewOwner()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
