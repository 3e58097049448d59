package apitoken

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A token's last use is noted in memory by the request and written by the
// flusher (RunUseFlusher), so that an API read writes nothing. The time an
// owner sees is at most about UseInterval stale: a use waits at most one
// interval (plus the write) before it is in the database, and this
// instance's List shows its own noted uses at once.

// Bounds of the noted uses. Only tokens that passed the database check
// are noted, so the entries are at most the live tokens used within an
// interval; maxNoted only keeps memory bounded whatever happens.
const (
	useShards = 64
	maxNoted  = 100_000
	// finalFlushTimeout bounds the write at shutdown, after ctx has ended.
	finalFlushTimeout = 10 * time.Second
)

// flushUses writes the noted times in one statement. It never moves a time
// backwards, and a row whose time would not change is not written.
// A revoked token's row may get a use noted before its revocation: a true
// fact, and nothing reads last_used_at to decide anything.
const flushUses = `UPDATE api_tokens t SET last_used_at = u.used_at
	FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, used_at)
	WHERE t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.used_at)`

// useLog is the instance's noted uses: token ID → latest use, in shards so
// that concurrent requests rarely wait on the same lock (each holds it for
// one map lookup).
type useLog struct {
	shards  [useShards]useShard
	dropped atomic.Int64 // notes refused because a shard was full
}

type useShard struct {
	mu   sync.Mutex
	uses map[int64]time.Time
}

func (l *useLog) shard(id int64) *useShard { return &l.shards[uint64(id)%useShards] }

// note records that the token was used at t, keeping the latest time.
func (l *useLog) note(id int64, t time.Time) {
	s := l.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.uses[id]
	switch {
	case ok && !t.After(prev):
	case ok || len(s.uses) < maxNoted/useShards:
		if s.uses == nil {
			s.uses = map[int64]time.Time{}
		}
		s.uses[id] = t
	default:
		l.dropped.Add(1)
	}
}

// latest is the token's noted use not yet taken by a flush; zero for none.
func (l *useLog) latest(id int64) time.Time {
	s := l.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uses[id]
}

// take empties the log and returns what it held, by token ID (sorted, so
// that concurrent flushes of several instances lock rows in one order).
func (l *useLog) take() ([]int64, []time.Time) {
	taken := map[int64]time.Time{}
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		uses := s.uses
		s.uses = nil
		s.mu.Unlock()
		for id, t := range uses {
			taken[id] = t
		}
	}
	ids := slices.Sorted(maps.Keys(taken))
	times := make([]time.Time, len(ids))
	for i, id := range ids {
		times[i] = taken[id]
	}
	return ids, times
}

// FlushUses writes the uses noted since the last flush, in one statement,
// and returns how many rows changed. When the write fails the uses are
// noted again, for the next flush.
func (s *Store) FlushUses(ctx context.Context) (int64, error) {
	ids, times := s.uses.take()
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, flushUses, ids, times)
	if err != nil {
		for i, id := range ids {
			s.uses.note(id, times[i])
		}
		return 0, fmt.Errorf("write token uses: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RunUseFlusher writes the noted uses every UseInterval until ctx ends,
// then once more (within finalFlushTimeout), so that a clean stop loses
// nothing noted. Its owner stops it after the last request that can note
// a use has ended.
func (s *Store) RunUseFlusher(ctx context.Context, log *slog.Logger) {
	tick := time.NewTicker(UseInterval)
	defer tick.Stop()
	flush := func(ctx context.Context) {
		if _, err := s.FlushUses(ctx); err != nil {
			log.Warn("api tokens: last uses not written, kept for the next flush", "err", err)
		}
		if n := s.uses.dropped.Swap(0); n > 0 {
			log.Warn("api tokens: uses not noted, too many tokens in use at once", "count", n)
		}
	}
	for {
		select {
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			flush(final)
			return
		}
	}
}
