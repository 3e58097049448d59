package poller

import "context"

// Point is a moment of a poll where a test may stop it, as a crash would.
type Point string

// The points of a poll.
const (
	// AfterFetch: a page is fetched, nothing of it stored.
	AfterFetch Point = "after-fetch"
	// BeforeCommit: the page's rows are written in the open database
	// transaction, which has not committed.
	BeforeCommit Point = "before-commit"
	// AfterCommit: the page and its cursor are committed; the lease is
	// still held.
	AfterCommit Point = "after-commit"
	// AfterPresent: the provider's list for reconciling is fetched,
	// nothing marked.
	AfterPresent Point = "after-present"
)

// Hooks let tests act at the points of a poll: At returning an error
// abandons the poll there, as if the instance had died (nothing more is
// written, the lease is not released).
type Hooks struct {
	At func(ctx context.Context, p Point, connID int64) error
}

func (h *Hooks) at(ctx context.Context, p Point, connID int64) error {
	if h == nil || h.At == nil {
		return nil
	}
	if err := h.At(ctx, p, connID); err != nil {
		return &abandoned{err}
	}
	return nil
}

// abandoned is a poll a hook stopped: it ends without another write.
type abandoned struct{ err error }

func (a *abandoned) Error() string { return "poll abandoned: " + a.err.Error() }
func (a *abandoned) Unwrap() error { return a.err }
