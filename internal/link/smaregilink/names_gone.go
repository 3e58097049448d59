package smaregilink

import (
	"context"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// markListed records which bound registers the Platform API lists now
// (link.Store.MarkListed): the others are gone.
func (s *Service) markListed(ctx context.Context, c link.Connection, listed []smaregi.Terminal) error {
	keys := make([]string, len(listed))
	for i, t := range listed {
		keys[i] = TerminalKey(t.StoreID, t.ID)
	}
	_, err := s.links.MarkListed(ctx, c.TenantID, c.ID, keys)
	return err
}
