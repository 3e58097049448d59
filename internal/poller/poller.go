package poller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/workloop"
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
		if !workloop.Sleep(ctx, p.cfg.BackoffBase) {
			return nil // stopped before it started
		}
	}
	p.log.Info("poller started", "providers", p.providers, "interval", p.cfg.Interval,
		"concurrency", p.cfg.Concurrency, "backfill", p.cfg.Backfill)
	var wg sync.WaitGroup
	wg.Go(func() { p.measureBacklog(ctx) })
	workloop.Loop[*lease]{Concurrency: p.cfg.Concurrency, IdleWait: p.cfg.IdleWait, RetryWait: p.cfg.BackoffBase,
		Claim: func(ctx context.Context, n int) ([]*lease, error) {
			return p.store.claim(ctx, n, p.providers, p.cfg.ReconcileEvery)
		},
		Work: p.poll, Log: p.log, What: "connections"}.Run(ctx, &wg)
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
