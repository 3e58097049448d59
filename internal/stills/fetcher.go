package stills

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/imagefit"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/textcheck"
	"github.com/poslink/poslink/internal/workloop"
)

// Fetcher fetches the due stills. Run it on as many instances as needed:
// they share the work through the database.
type Fetcher struct {
	cfg     Config
	store   *store
	camera  *camera.Client
	metrics *Metrics
	log     *slog.Logger
	// refusedLogged is when a refusal by the camera cloud was last logged
	// as a warning (Unix nanoseconds): a missing or revoked key refuses
	// every still, and one line a minute says so.
	refusedLogged atomic.Int64
}

// NewFetcher builds a fetcher on pool asking cam.
func NewFetcher(pool *pgxpool.Pool, cam *camera.Client, metrics *Metrics, cfg Config) *Fetcher {
	cfg = cfg.withDefaults()
	return &Fetcher{
		cfg:     cfg,
		store:   &store{pool: pool, owner: cfg.Owner, leaseFor: cfg.LeaseFor},
		camera:  cam,
		metrics: metrics,
		log:     cfg.Logger.With("component", "stills", "owner", cfg.Owner),
	}
}

// writeTimeout bounds the write that ends a fetch, which runs even when
// the fetcher is stopping, so that its leases are released.
const writeTimeout = 10 * time.Second

// The outcomes of a fetch, as the metrics label them.
const (
	outcomeReady       = "ready"
	outcomeNoRecording = "no_recording"
	outcomeNotYet      = "not_yet"
	outcomeFailed      = "failed"
	outcomeUnreachable = "unreachable"
	outcomeLostLease   = "lost_lease"
	outcomeInterrupted = "interrupted"
)

// Run fetches until ctx ends, then waits for its fetches (which release
// their leases) and returns.
func (f *Fetcher) Run(ctx context.Context) {
	for err := f.store.saveSettings(ctx, f.cfg.PaymentWindow); err != nil; err = f.store.saveSettings(ctx, f.cfg.PaymentWindow) {
		if ctx.Err() == nil {
			f.log.Warn("stills fetcher waits for the database", "err", err)
		}
		if !workloop.Sleep(ctx, f.cfg.BackoffBase) {
			return
		}
	}
	f.log.Info("stills fetcher started", "concurrency", f.cfg.Concurrency, "cache_bytes", f.cfg.CacheBytes,
		"payment_window", f.cfg.PaymentWindow)
	var wg sync.WaitGroup
	wg.Go(func() { f.maintain(ctx) })
	workloop.Loop[*lease]{Concurrency: f.cfg.Concurrency, IdleWait: f.cfg.IdleWait, RetryWait: f.cfg.BackoffBase,
		Claim: func(ctx context.Context, n int) ([]*lease, error) {
			return f.store.claim(ctx, n, f.cfg.PaymentWindow)
		},
		Work: f.fetch, Log: f.log, What: "stills"}.Run(ctx, &wg)
	wg.Wait()
	f.log.Info("stills fetcher stopped")
}

// fetch asks the camera cloud for a claimed still, with no transaction
// open, and records the outcome.
func (f *Fetcher) fetch(ctx context.Context, l *lease) {
	started := time.Now()
	outcome := f.fetchOnce(ctx, l)
	f.metrics.fetches.WithLabelValues(outcome).Inc()
	f.metrics.duration.Observe(time.Since(started).Seconds())
}

func (f *Fetcher) fetchOnce(ctx context.Context, l *lease) string {
	cctx, cancel := context.WithDeadline(ctx, l.deadline)
	img, err := f.camera.Still(cctx, l.deviceID, l.at)
	cancel()
	var small []byte
	if err == nil {
		small, err = imagefit.Shrink(img.Data, f.cfg.Width, f.cfg.Height)
	}
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer wcancel()
	if err != nil && ctx.Err() != nil {
		if err := f.store.release(wctx, l); err != nil {
			f.log.Warn("release still", "transaction_id", l.txnID, "err", err)
		}
		return outcomeInterrupted
	}
	outcome, werr := f.record(wctx, l, small, err)
	switch {
	case errors.Is(werr, errLostLease):
		f.log.Warn("lease lost during a fetch: its outcome not stored", "transaction_id", l.txnID)
		return outcomeLostLease
	case werr != nil:
		f.log.Warn("record still", "transaction_id", l.txnID, "err", werr)
	}
	return outcome
}

// record stores what a fetch came to, decided from the camera cloud
// failure's class and reason alone.
func (f *Fetcher) record(ctx context.Context, l *lease, image []byte, err error) (string, error) {
	if err == nil {
		return outcomeReady, f.store.ready(ctx, l, image)
	}
	reason := textcheck.Clip(err.Error(), 500)
	back := workloop.Backoff(l.attempts+1, f.cfg.BackoffBase, f.cfg.BackoffMax)
	log := f.log.With("transaction_id", l.txnID, "device_id", l.deviceID, "attempts", l.attempts+1, "err", err)
	// The camera's reasons first: they refine the classes below (no
	// recording is a NotFound, not yet an Unavailable).
	switch class := pos.ClassOf(err); {
	case pos.HasReason(err, camera.ReasonNoRecording):
		return outcomeNoRecording, f.store.noRecording(ctx, l, reason)
	case pos.HasReason(err, camera.ReasonNotYetAvailable):
		return outcomeNotYet, f.store.later(ctx, l, max(time.Second, pos.RetryAfter(err)))
	case class == pos.CredentialsRefused, class == pos.NotFound:
		// Trying again changes nothing until the key or the camera's
		// device ID is fixed: unreachable at once, asked again rarely.
		level := slog.LevelDebug
		if last := f.refusedLogged.Load(); time.Since(time.Unix(0, last)) >= time.Minute &&
			f.refusedLogged.CompareAndSwap(last, time.Now().UnixNano()) {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "camera cloud refused the still: unreachable until the key or the device ID is fixed",
			"retry_in", f.cfg.BackoffMax)
		return outcomeUnreachable, f.store.fail(ctx, l, true, f.cfg.BackoffMax, reason)
	case class == pos.RateLimited:
		back = max(back, pos.RetryAfter(err))
	}
	if l.attempts+1 >= f.cfg.MaxAttempts {
		log.Warn("still unreachable after repeated failures", "retry_in", f.cfg.BackoffMax)
		return outcomeUnreachable, f.store.fail(ctx, l, true, f.cfg.BackoffMax, reason)
	}
	log.Debug("still fetch failed", "retry_in", back)
	return outcomeFailed, f.store.fail(ctx, l, false, back, reason)
}

// maintain trims the cache to its budget and measures the backlog now and
// then, so that a scrape of /metrics reads memory only.
func (f *Fetcher) maintain(ctx context.Context) {
	tick := time.NewTicker(f.cfg.EvictEvery)
	defer tick.Stop()
	for {
		if err := f.Trim(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("trim stills cache", "err", err)
		}
		if ev, pay, err := f.store.backlog(ctx, f.cfg.PaymentWindow); err != nil && ctx.Err() == nil {
			f.log.Warn("measure stills backlog", "err", err)
		} else if err == nil {
			f.metrics.backlog.WithLabelValues("true").Set(float64(ev))
			f.metrics.backlog.WithLabelValues("false").Set(float64(pay))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Trim drops the payments' images beyond the cache budget (oldest sales
// first) and gives up payments unfetched past the window.
func (f *Fetcher) Trim(ctx context.Context) error {
	n, size, err := f.store.trim(ctx, f.cfg.CacheBytes, f.cfg.PaymentWindow)
	if err != nil {
		return err
	}
	f.metrics.evicted.Add(float64(n))
	f.metrics.cacheBytes.Set(float64(size))
	if n > 0 {
		f.log.Debug("stills evicted", "count", n, "cache_bytes", size)
	}
	return nil
}
