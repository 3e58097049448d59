package link

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// NextForNames claims the active connection to a provider whose terminal
// and store names were checked longest ago (or never), unless every one
// was checked within the last interval: it marks the connection checked
// now and returns it, for background work to ask the provider and
// RenameTerminals. Instances claiming at once get different connections.
// The claim is committed before the provider is asked, so no lock is held
// across the call; a failed check waits for the next interval. ok is false
// when no connection is due.
func (s *Store) NextForNames(ctx context.Context, p Provider, interval time.Duration) (c Connection, ok bool, err error) {
	// The database's clock: every instance compares against the same one.
	c, err = scanConnection(s.pool.QueryRow(ctx, `
		UPDATE pos_connections SET names_checked_at = now()
		WHERE id = (
			SELECT id FROM pos_connections
			WHERE provider = $1 AND status = 'active' AND (names_checked_at IS NULL OR names_checked_at < now() - $2::interval)
			ORDER BY names_checked_at NULLS FIRST, id
			LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+connectionColumns, p, interval))
	if errors.Is(err, pgx.ErrNoRows) {
		return Connection{}, false, nil
	}
	if err != nil {
		return Connection{}, false, fmt.Errorf("claim connection for a names check: %w", err)
	}
	return c, true, nil
}
