package poller

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/textcheck"
)

// systemActor marks the changes the poller makes to connections.
var systemActor = audit.Actor{Label: "system:poller"}

// writeTimeout bounds the writes that end a poll, which run even when the
// poller is stopping, so that its leases are released.
const writeTimeout = 10 * time.Second

// poll fetches and stores a claimed connection's changes and ends its
// lease: released with the next due time, or (after a crash) expiring.
func (p *Poller) poll(ctx context.Context, l *lease) {
	started := time.Now()
	outcome := p.pollOnce(ctx, l)
	p.metrics.polls.WithLabelValues(string(l.provider), outcome).Inc()
	p.metrics.duration.WithLabelValues(string(l.provider)).Observe(time.Since(started).Seconds())
}

func (p *Poller) pollOnce(ctx context.Context, l *lease) string {
	err := p.fetchAndStore(ctx, l)
	var ab *abandoned
	switch {
	case err == nil:
		return outcomeOK
	case errors.As(err, &ab):
		return outcomeAbandoned
	case errors.Is(err, errLostLease):
		p.log.Warn("lease lost during a poll: nothing of it stored", "connection_id", l.connID)
		return outcomeLostLease
	case ctx.Err() != nil:
		// Stopping: the connection stays due for whoever polls next.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
		defer cancel()
		if err := p.store.release(wctx, l); err != nil {
			p.log.Warn("release lease", "connection_id", l.connID, "err", err)
		}
		return outcomeInterrupted
	}
	v := p.judge(l, err)
	log := p.log.With("connection_id", l.connID, "provider", l.provider, "failures", l.failures+1, "err", err)
	if v.stop {
		log.Warn("poll refused: polling of the connection stops until its owner acts")
	} else {
		log.Warn("poll failed: nothing of the failed page stored", "retry_in", v.delay.Round(time.Second))
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := p.store.fail(wctx, l, v, encodeError(err)); err != nil {
		p.log.Warn("record failed poll", "connection_id", l.connID, "err", err)
		return v.outcome
	}
	if v.reauth {
		if err := p.links.SetStatus(wctx, systemActor, l.tenantID, l.connID, link.ReauthRequired,
			"transactions poll refused: "+textcheck.Clip(err.Error(), 200)); err != nil {
			p.log.Warn("mark connection 要再認証", "connection_id", l.connID, "err", err)
		}
	}
	return v.outcome
}

// fetchAndStore fetches pages of changes, storing each with its cursor,
// until the provider has no more or the claim's page budget is spent; then
// looks for deletions when due.
func (p *Poller) fetchAndStore(ctx context.Context, l *lease) error {
	feed, err := p.feeds[l.provider](ctx, l.tenantID, l.connID)
	if err != nil {
		return err
	}
	since := p.cfg.Now().Add(-p.cfg.Backfill)
	for n := 1; ; n++ {
		var page pos.Page
		err := p.call(ctx, l, func(ctx context.Context) (err error) {
			page, err = feed.Changes(ctx, l.cursor, since)
			return err
		})
		if err != nil {
			return err
		}
		if err := p.cfg.Hooks.at(ctx, AfterFetch, l.connID); err != nil {
			return err
		}
		cols, err := prepare(l.provider, page.Transactions, p.cfg.Now())
		if err != nil {
			return err
		}
		switch {
		case page.Cursor == "":
			return malformed(l.provider, "the feed gave no cursor to continue from")
		case page.More && page.Cursor == l.cursor:
			return malformed(l.provider, "the feed says more changes follow but its cursor did not move")
		}
		last := !page.More || n >= p.cfg.PagesPerClaim
		reconcile := last && !page.More && l.reconcileDue
		var fin *finish
		if last && !reconcile {
			fin = &finish{requeue: page.More}
		}
		res, err := p.store.commitPage(ctx, l, cols, page.Cursor, fin, p.cfg.Hooks)
		if err != nil {
			return err
		}
		p.observe(l, res)
		l.cursor = page.Cursor
		if err := p.cfg.Hooks.at(ctx, AfterCommit, l.connID); err != nil {
			return err
		}
		if last && !reconcile {
			return nil
		}
		if last {
			return p.reconcile(ctx, l, feed)
		}
	}
}

// reconcile asks the provider which transactions of the backfill window it
// still has and marks the stored ones it no longer lists as deleted,
// ending the poll.
func (p *Poller) reconcile(ctx context.Context, l *lease, feed pos.Feed) error {
	to := p.cfg.Now()
	from := to.Add(-p.cfg.Backfill)
	var present map[string]bool
	err := p.call(ctx, l, func(ctx context.Context) (err error) {
		present, err = feed.Present(ctx, from, to)
		return err
	})
	if err != nil {
		return err
	}
	if err := p.cfg.Hooks.at(ctx, AfterPresent, l.connID); err != nil {
		return err
	}
	marked, err := p.store.commitReconcile(ctx, l, from, to, slices.Collect(maps.Keys(present)))
	if err != nil {
		return err
	}
	if marked > 0 {
		p.metrics.revisions.WithLabelValues(string(l.provider)).Add(float64(marked))
		p.log.Info("transactions gone at the provider marked deleted", "connection_id", l.connID, "count", marked)
	}
	return nil
}

// call makes one request of the feed within the account's rate and the
// lease's time, once more when the provider refused the access token (the
// feed gets a new one).
func (p *Poller) call(ctx context.Context, l *lease, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := p.limit.wait(ctx, l.connID); err != nil {
			return err
		}
		cctx, cancel := context.WithDeadline(ctx, l.deadline)
		err := fn(cctx)
		cancel()
		if pos.ClassOf(err) != pos.TokenRefused || attempt == 2 {
			return err
		}
	}
}

// observe counts what a page stored.
func (p *Poller) observe(l *lease, res pageResult) {
	prov := string(l.provider)
	p.metrics.stored.WithLabelValues(prov).Add(float64(res.inserted))
	p.metrics.revisions.WithLabelValues(prov).Add(float64(res.revisions))
	if !l.polledBefore {
		return
	}
	now := time.Now()
	lag := p.metrics.lag.WithLabelValues(prov)
	for _, t := range res.soldAt {
		lag.Observe(now.Sub(t).Seconds())
	}
}
