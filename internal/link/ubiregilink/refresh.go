package ubiregilink

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/link"
)

const (
	// refreshBatch bounds the connections one background run refreshes:
	// 50,000 accounts with 24-hour tokens come due at about 175 per
	// five-minute run.
	refreshBatch = 500
	// refreshWorkers refresh at once, so that one slow answer does not
	// hold up the rest.
	refreshWorkers = 4
	// refreshRunTimeout bounds a whole run, so that Ubiregi being down
	// cannot stall the maintenance loop that calls it.
	refreshRunTimeout = 2 * time.Minute
)

// RefreshDue refreshes the grants of every tenant whose access token
// expires within the margin, for the background loop of every instance:
// a connection another instance is refreshing is skipped, and one Ubiregi
// refuses is marked 要再認証. It returns how many it refreshed and logs
// the failures (never a token).
func (s *Service) RefreshDue(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, refreshRunTimeout)
	defer cancel()
	due, err := s.links.DueForRefresh(ctx, s.now().Add(refreshMargin), refreshBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "list connections due for refresh", "err", err)
		}
		return 0
	}
	work := make(chan link.Connection)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  int
	)
	for range refreshWorkers {
		wg.Go(func() {
			for c := range work {
				if s.refreshOne(ctx, c) {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		})
	}
feed:
	for _, c := range due {
		if c.Provider != link.Ubiregi {
			continue
		}
		select {
		case work <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return n
}

// refreshOne refreshes one connection and reports whether its grant is
// good for another day.
func (s *Service) refreshOne(ctx context.Context, c link.Connection) bool {
	_, err := s.refresh(ctx, c.TenantID, c.ID, "", false)
	switch {
	case err == nil:
		return true
	case errors.Is(err, link.ErrRefreshBusy), errors.Is(err, ErrReauthRequired):
		// Another instance has it; or the owner must consent again, which
		// refresh has already recorded.
	default:
		s.log.WarnContext(ctx, "refresh ubiregi grant", "tenant_id", c.TenantID, "connection_id", c.ID, "err", err)
	}
	return false
}
