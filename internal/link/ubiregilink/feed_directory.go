package ubiregilink

import (
	"context"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/pos/ubiregi"
)

const (
	// directoryTTL is how long the account's names serve the feed before
	// they are read again: cashiers and payment types change seldom, and
	// an id they do not know reads them at once anyway.
	directoryTTL = time.Hour
	// directoryRecheck is how soon an unknown id may read them again: a
	// checkout of a cashier since deleted must not read the account on
	// every poll.
	directoryRecheck = time.Minute
	// directorySize bounds the cache: one entry per polled connection of
	// this instance.
	directorySize = 100_000
)

// directories keeps, per connection, the names of its account for the
// feeds of a Service (the poller may make a feed per poll). It holds
// names and ids only, never a token.
type directories struct {
	mu sync.Mutex
	m  map[int64]cachedDirectory // by connection ID
}

type cachedDirectory struct {
	tenantID int64
	dir      *ubiregi.Directory
	readAt   time.Time
}

func newDirectories() *directories { return &directories{m: map[int64]cachedDirectory{}} }

// directory returns the account's names: the cached ones unless they are
// older than directoryTTL, or, with stale, older than directoryRecheck.
func (f *feed) directory(ctx context.Context, stale bool) (*ubiregi.Directory, error) {
	now := f.s.now()
	d := f.s.directories
	d.mu.Lock()
	e, ok := d.m[f.connID]
	d.mu.Unlock()
	maxAge := directoryTTL
	if stale {
		maxAge = directoryRecheck
	}
	if ok && e.tenantID == f.tenantID && now.Sub(e.readAt) < maxAge {
		return e.dir, nil
	}
	var acct ubiregi.Account
	err := f.withToken(ctx, func(ctx context.Context, token string) error {
		var err error
		acct, err = f.s.api.AccountCurrent(ctx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	dir, err := ubiregi.NewDirectory(acct)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) >= directorySize {
		clear(d.m) // all of this instance's connections: start afresh rather than grow
	}
	d.m[f.connID] = cachedDirectory{tenantID: f.tenantID, dir: dir, readAt: now}
	return dir, nil
}
