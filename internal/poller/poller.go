package poller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/link"
)

// Poller polls the connections of the providers it has feeds for. Run it
// on as many instances as needed: they share the work through the
// database.
type Poller struct {
	cfg       Config
	store     *store
	feeds     Feeds
	providers []string
	links     *link.Store
	metrics   *Metrics
	limit     *accountLimiter
	log       *slog.Logger
}

// New builds a poller on pool reading feeds. links marks connections whose
// grant Ubiregi refused (要再認証).
func New(pool *pgxpool.Pool, feeds Feeds, links *link.Store, metrics *Metrics, cfg Config) *Poller {
	cfg = cfg.withDefaults()
	return &Poller{
		cfg:       cfg,
		store:     &store{pool: pool, owner: cfg.Owner, leaseFor: cfg.LeaseFor, interval: cfg.Interval},
		feeds:     feeds,
		providers: feeds.providers(),
		links:     links,
		metrics:   metrics,
		limit:     newAccountLimiter(cfg.AccountRate),
		log:       cfg.Logger.With("component", "poller", "owner", cfg.Owner),
	}
}

// Run polls until ctx ends, then stops its polls, releases their leases
// and returns. Polls abandoned by a crash are taken over by any instance
// once their leases expire.
func (p *Poller) Run(ctx context.Context) error {
	if len(p.providers) == 0 {
		return fmt.Errorf("poller: no provider feeds")
	}
	for err := p.saveSettings(ctx); err != nil; err = p.saveSettings(ctx) {
		if ctx.Err() == nil {
			p.log.Warn("poller waits for the database", "err", err)
		}
		if !sleep(ctx, p.cfg.BackoffBase) {
			return nil // stopped before it started
		}
	}
	p.log.Info("poller started", "providers", p.providers, "interval", p.cfg.Interval,
		"concurrency", p.cfg.Concurrency, "backfill", p.cfg.Backfill)
	var wg sync.WaitGroup
	wg.Go(func() { p.measureBacklog(ctx) })
	p.claimLoop(ctx, &wg)
	wg.Wait()
	p.log.Info("poller stopped")
	return nil
}

// saveSettings tells the database's binding periods how far a first
// binding reaches back. Until it is saved (the database is away at the
// start), nothing is polled.
func (p *Poller) saveSettings(ctx context.Context) error {
	_, err := p.store.pool.Exec(ctx, `UPDATE poll_settings SET backfill = $1 * interval '1 millisecond'
		WHERE backfill <> $1 * interval '1 millisecond'`, p.cfg.Backfill.Milliseconds())
	if err != nil {
		return fmt.Errorf("poller: save settings: %w", err)
	}
	return nil
}

// claimLoop claims due connections while it has free slots and polls
// each in a goroutine of wg, until ctx ends.
func (p *Poller) claimLoop(ctx context.Context, wg *sync.WaitGroup) {
	slots := make(chan struct{}, p.cfg.Concurrency)
	freed := make(chan struct{}, 1)
	idle := time.NewTimer(0)
	defer idle.Stop()
	for {
		free := cap(slots) - len(slots)
		claimed := 0
		if free > 0 {
			leases, err := p.store.claim(ctx, free, p.providers, p.cfg.ReconcileEvery)
			if err != nil && ctx.Err() == nil {
				// The database is away: no claims, and one line per wait.
				p.log.Warn("claim due connections", "err", err, "retry_in", p.cfg.BackoffBase)
				if !sleep(ctx, p.cfg.BackoffBase) {
					return
				}
				continue
			}
			for _, l := range leases {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() {
						<-slots
						select {
						case freed <- struct{}{}:
						default:
						}
					}()
					p.poll(ctx, l)
				})
			}
			claimed = len(leases)
		}
		// All slots taken: claim again when one frees. Otherwise nothing
		// more is due now: look again after a while.
		var wake <-chan struct{}
		if claimed == free {
			wake = freed
		}
		idle.Reset(p.cfg.IdleWait)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-idle.C:
		}
	}
}

// sleep waits for d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// measureBacklog sets the backlog gauges from the database now and then,
// so that a scrape of /metrics reads memory only.
func (p *Poller) measureBacklog(ctx context.Context) {
	tick := time.NewTicker(p.cfg.BacklogEvery)
	defer tick.Stop()
	for {
		var n int
		var age float64
		err := p.store.pool.QueryRow(ctx, `
			SELECT count(*), coalesce(extract(epoch FROM now() - min(due_at)), 0)::float8 FROM poll_states
			WHERE pollable AND due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
			  AND provider = ANY($1::text[])`, p.providers).Scan(&n, &age)
		if err != nil && ctx.Err() == nil {
			p.log.Warn("measure backlog", "err", err)
		} else if err == nil {
			p.metrics.backlog.Set(float64(n))
			p.metrics.backlogAge.Set(age)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
