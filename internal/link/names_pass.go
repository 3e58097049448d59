package link

import (
	"context"
	"log/slog"
	"time"
)

// NamesInterval is how often each link's terminal names are checked with
// its provider: hourly, so that a renamed or removed register shows within
// the hour.
const NamesInterval = time.Hour

// Bounds of one pass of name checks, which share the maintenance loop with
// other work: links visited, and time spent.
const (
	namesPerPass   = 50
	namesPassLimit = time.Minute
)

// RefreshNamesPass runs check on the provider's links whose names were
// checked longest ago, each claimed by one instance (NextForNames), at most
// namesPerPass of them within namesPassLimit. It returns the bindings check
// changed in all; failures are logged, except those quiet says need no
// line (a refusal already recorded on the link).
func (s *Store) RefreshNamesPass(ctx context.Context, p Provider, log *slog.Logger,
	check func(context.Context, Connection) (int, error), quiet func(error) bool) int {
	ctx, cancel := context.WithTimeout(ctx, namesPassLimit)
	defer cancel()
	changed := 0
	for range namesPerPass {
		c, ok, err := s.NextForNames(ctx, p, NamesInterval)
		if err != nil {
			if ctx.Err() == nil {
				log.WarnContext(ctx, "refresh names", "provider", p, "err", err)
			}
			return changed
		}
		if !ok {
			return changed
		}
		n, err := check(ctx, c)
		if err != nil && ctx.Err() == nil && (quiet == nil || !quiet(err)) {
			log.WarnContext(ctx, "refresh names", "provider", p, "connection_id", c.ID, "external_id", c.ExternalID, "err", err)
		}
		changed += n
	}
	return changed
}
