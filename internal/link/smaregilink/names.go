package smaregilink

import (
	"context"
	"time"

	"github.com/poslink/poslink/internal/link"
)

// namesInterval is how often each link's names are checked with Smaregi:
// hourly, so that a renamed or removed register shows within the hour;
// each check is two requests against the contract's rate limit.
const namesInterval = time.Hour

// Bounds of one pass of RefreshNames, which shares the maintenance loop
// with other work: links visited, and time spent.
const (
	namesPerPass   = 50
	namesPassLimit = time.Minute
)

// RefreshNames is background work: it asks Smaregi for the stores and
// registers of the links whose names were checked longest ago (a link
// saved or imported since is first) and stores the names Smaregi reports
// on their current bindings — an imported link knows none, a register may
// be renamed — so that the list, which does not ask Smaregi, shows them;
// a bound register Smaregi no longer lists is marked gone, its binding
// kept.
// A link whose stored credentials Smaregi refuses is marked 要更新 on the
// way, so that it is not polled (the terminal page shows that, but a page
// writes nothing). Safe on every instance: each link is claimed by one. It
// returns how many bindings it renamed; failures are logged.
func (s *Service) RefreshNames(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, namesPassLimit)
	defer cancel()
	renamed := 0
	for range namesPerPass {
		c, ok, err := s.links.NextForNames(ctx, link.Smaregi, namesInterval)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "smaregi: refresh names", "err", err)
			}
			return renamed
		}
		if !ok {
			return renamed
		}
		n, err := s.refreshNamesOf(ctx, c)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "smaregi: refresh names", "connection_id", c.ID, "contract_id", c.ExternalID, "err", err)
		}
		renamed += n
	}
	return renamed
}

// refreshNamesOf checks one link's names, as the terminal page lists them.
func (s *Service) refreshNamesOf(ctx context.Context, c link.Connection) (int, error) {
	stores, listed, _, err := s.ask(ctx, c, s.PhaseOf(c))
	if err != nil {
		before := c.Status
		if _, fatal := s.problem(ctx, &c, err); fatal != nil {
			return 0, fatal
		}
		if c.Status != before {
			return 0, s.links.SetStatus(ctx, systemActor, c.TenantID, c.ID, c.Status, c.StatusDetail)
		}
		return 0, nil // Smaregi's failure, logged by problem: the next interval tries again
	}
	bindings, err := s.links.Bindings(ctx, c.TenantID, c.ID)
	if err != nil || len(bindings) == 0 {
		return 0, err
	}
	if listed != nil {
		// The Platform API lists every register: a bound one it does not
		// list is gone. (The old API lists none: nothing can be told.)
		if err := s.markListed(ctx, c, listed); err != nil {
			return 0, err
		}
	}
	var terms []link.Terminal
	for _, r := range mergeRows(stores, listed, bindings) {
		if r.StoreName != "" && r.CameraID != 0 {
			terms = append(terms, link.Terminal{Key: r.Key(), Name: r.TerminalName, Store: r.StoreName})
		}
	}
	return s.links.RenameTerminals(ctx, c.TenantID, c.ID, terms)
}
