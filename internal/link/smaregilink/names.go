package smaregilink

import (
	"context"

	"github.com/poslink/poslink/internal/link"
)

// RefreshNames is background work: it asks Smaregi for the stores and
// registers of the links whose names were checked longest ago (a link
// saved or imported since is first) and stores the names Smaregi reports
// on their current bindings — an imported link knows none, a register may
// be renamed — so that the list, which does not ask Smaregi, shows them;
// a bound register Smaregi no longer lists is marked gone, its binding
// kept.
// A link on the old access token that Smaregi refuses, or no longer
// serves, is marked 要更新 on the way (the terminal page shows that, but a
// page writes nothing). Refused client credentials are not marked: the
// poller stops polling such a link and shows エラー, and this check just
// tries again in an hour. Safe on every instance: each link is claimed by
// one. It returns how many bindings it renamed; failures are logged.
func (s *Service) RefreshNames(ctx context.Context) int {
	return s.links.RefreshNamesPass(ctx, link.Smaregi, s.log, s.refreshNamesOf, nil)
}

// refreshNamesOf checks one link's names, as the terminal page lists them.
func (s *Service) refreshNamesOf(ctx context.Context, c link.Connection) (int, error) {
	stores, listed, _, err := s.ask(ctx, c, s.PhaseOf(c))
	if err != nil {
		if _, fatal := s.problem(ctx, c, err); fatal != nil {
			return 0, fatal
		}
		if detail, ok := updateRequired(c, err); ok {
			return 0, s.links.SetStatus(ctx, systemActor, c.TenantID, c.ID, link.UpdateRequired, detail)
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
