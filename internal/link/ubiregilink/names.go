package ubiregilink

import (
	"context"
	"errors"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// RefreshNames is background work, the Ubiregi twin of smaregilink's: it
// reads the account of the links whose names were checked longest ago
// and stores the device names Ubiregi reports on their current bindings,
// so that pages that do not ask Ubiregi show them; a bound device the
// account no longer lists is marked gone, its binding kept. A grant
// Ubiregi refuses is marked 要再認証 on the way, as the refresher does.
// Safe on every instance: each link is claimed by one. It returns how many
// bindings it changed; failures are logged.
func (s *Service) RefreshNames(ctx context.Context) int {
	return s.links.RefreshNamesPass(ctx, link.Ubiregi, s.log, s.refreshNamesOf,
		func(err error) bool { return errors.Is(err, ErrReauthRequired) })
}

// refreshNamesOf checks one link's devices against its bindings.
func (s *Service) refreshNamesOf(ctx context.Context, c link.Connection) (int, error) {
	bindings, err := s.links.Bindings(ctx, c.TenantID, c.ID)
	if err != nil || len(bindings) == 0 {
		return 0, err
	}
	var acct ubiregi.Account
	err = s.withToken(ctx, c, func(ctx context.Context, token string) error {
		var err error
		acct, err = s.api.AccountCurrent(ctx, token)
		return err
	})
	if err != nil {
		return 0, err // the next interval tries again
	}
	terms := terminalsOf(acct)
	keys := make([]string, len(terms))
	for i, t := range terms {
		keys[i] = t.Key
	}
	renamed, err := s.links.RenameTerminals(ctx, c.TenantID, c.ID, terms)
	if err != nil {
		return 0, err
	}
	marked, err := s.links.MarkListed(ctx, c.TenantID, c.ID, keys)
	return renamed + marked, err
}
