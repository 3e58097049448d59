package poller

import (
	"context"
	"slices"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
)

// FeedFunc opens the transaction feed of a tenant's connection, as
// ubiregilink.Service.Feed and smaregilink.Service.Feed do.
type FeedFunc func(ctx context.Context, tenantID, connID int64) (pos.Feed, error)

// Feeds are the feeds of the providers this poller polls; connections of
// other providers are left to instances that have theirs.
type Feeds map[link.Provider]FeedFunc

// providers lists the providers with a feed, for the claim.
func (f Feeds) providers() []string {
	out := make([]string, 0, len(f))
	for p := range f {
		out = append(out, string(p))
	}
	slices.Sort(out)
	return out
}
