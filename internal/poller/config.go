package poller

import (
	"log/slog"
	"time"

	"github.com/poslink/poslink/internal/workloop"
)

// Config is how the poller runs. Zero fields take the defaults below.
type Config struct {
	// Interval is how often each connection is polled when nothing fails.
	Interval time.Duration
	// Concurrency bounds this instance's polls in flight, and so its
	// concurrent calls to the providers.
	Concurrency int
	// Backfill is how far back a new connection is fetched, and how far
	// back a terminal's first binding gives its sales a camera.
	Backfill time.Duration
	// AccountRate is the most requests a second this instance sends for
	// one POS account (a Smaregi contract is rate-limited as a whole).
	AccountRate float64
	// LeaseFor is how long a claim holds a connection; every page stored
	// extends it. A dead instance's connections wait this long.
	LeaseFor time.Duration
	// BackoffBase and BackoffMax shape the wait after consecutive
	// failures: Base, 2×Base, 4×Base… up to Max, each with jitter.
	BackoffBase, BackoffMax time.Duration
	// PagesPerClaim bounds the pages one claim fetches: a long backfill
	// goes back to the queue between rounds, so that it does not hold up
	// the minute polls of others.
	PagesPerClaim int
	// ReconcileEvery is how often the provider is asked which of the
	// Backfill window's transactions it still has, to find deletions.
	ReconcileEvery time.Duration
	// IdleWait is how long the claim loop sleeps when nothing was due.
	IdleWait time.Duration
	// BacklogEvery is how often the due-but-unclaimed backlog is measured
	// for the metrics.
	BacklogEvery time.Duration
	// Owner names this instance in leases; random when empty.
	Owner string
	// Now is the clock of the providers' times: the backfill window and
	// the reconcile window. Leases and due times use the database's clock.
	Now func() time.Time
	// Hooks are test points; nil in production.
	Hooks  *Hooks
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultInterval    = time.Minute
	DefaultConcurrency = 32
	DefaultBackfill    = 72 * time.Hour
	DefaultAccountRate = 4
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, DefaultInterval)
	def(&c.Backfill, DefaultBackfill)
	def(&c.LeaseFor, time.Minute)
	def(&c.BackoffBase, 10*time.Second)
	def(&c.BackoffMax, 10*time.Minute)
	def(&c.ReconcileEvery, time.Hour)
	def(&c.IdleWait, time.Second)
	def(&c.BacklogEvery, 15*time.Second)
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.AccountRate <= 0 {
		c.AccountRate = DefaultAccountRate
	}
	if c.PagesPerClaim <= 0 {
		c.PagesPerClaim = 10
	}
	if c.Owner == "" {
		c.Owner = workloop.NewOwner()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
