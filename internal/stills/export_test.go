package stills

import (
	"context"
	"sync"
)

// FetchDue claims the stills due now (up to the concurrency) and fetches
// them, returning when all are done: one round of Run, for tests.
func (f *Fetcher) FetchDue(ctx context.Context) (int, error) {
	leases, err := f.store.claim(ctx, f.cfg.Concurrency, f.cfg.PaymentWindow)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, l := range leases {
		wg.Go(func() { f.fetch(ctx, l) })
	}
	wg.Wait()
	return len(leases), nil
}
