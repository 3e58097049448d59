package ubiregilink

import (
	"context"
	"errors"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// namesInterval is how often each link's device names are checked with
// Ubiregi: hourly, so that a renamed or removed register shows within the
// hour.
const namesInterval = time.Hour

// Bounds of one pass of RefreshNames, which shares the maintenance loop
// with other work: links visited, and time spent.
const (
	namesPerPass   = 50
	namesPassLimit = time.Minute
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
	ctx, cancel := context.WithTimeout(ctx, namesPassLimit)
	defer cancel()
	changed := 0
	for range namesPerPass {
		c, ok, err := s.links.NextForNames(ctx, link.Ubiregi, namesInterval)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "ubiregi: refresh names", "err", err)
			}
			return changed
		}
		if !ok {
			return changed
		}
		n, err := s.refreshNamesOf(ctx, c)
		if err != nil && !errors.Is(err, ErrReauthRequired) && ctx.Err() == nil {
			s.log.WarnContext(ctx, "ubiregi: refresh names", "connection_id", c.ID, "account_id", c.ExternalID, "err", err)
		}
		changed += n
	}
	return changed
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
