package link

import (
	"context"
	"fmt"
)

// MarkListed records which of a connection's bound terminals the provider
// lists now, for the background names check: a bound terminal missing
// from listed is gone from now on (Binding.GoneAt), one listed again is
// not. Bindings stay either way. It returns how many bindings changed.
// Only a complete listing may be passed: one the provider could not give
// whole would mark terminals gone that are not.
func (s *Store) MarkListed(ctx context.Context, tenantID, connectionID int64, listed []string) (int, error) {
	if listed == nil {
		listed = []string{}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE terminal_bindings
		SET gone_at = CASE WHEN terminal_key = ANY($3) THEN NULL ELSE now() END
		WHERE tenant_id = $1 AND connection_id = $2 AND unbound_at IS NULL
		  AND (terminal_key = ANY($3)) = (gone_at IS NOT NULL)`, tenantID, connectionID, listed)
	if err != nil {
		return 0, fmt.Errorf("mark listed terminals: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
