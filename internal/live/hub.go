// Package live tells a portal instance when transactions of a camera have
// been stored or changed visibly (キャンセル, 修正, 削除 delivered later),
// whichever instance or worker wrote them: the database announces each
// inserting statement (migration 00014) and each statement that stored
// changes (00015) on a channel, and a Hub listens on one connection of
// its own and wakes the subscribers of the cameras named. It knows
// nothing of HTTP; what a subscriber then reads is a Follower's Next, in
// one change order that new and changed transactions share.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/workloop"
)

// Channel is the channel the database announces new and changed
// transactions on.
const Channel = "pos_transactions"

// The listening connection's reconnect backoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// Hub is an instance's one listening connection and its subscribers.
type Hub struct {
	connConfig *pgx.ConnConfig
	log        *slog.Logger

	mu sync.Mutex
	// subs are the subscribers by tenant and camera.
	subs    map[int64]map[int64]map[*Subscription]struct{}
	stopped bool
}

// New returns a hub that will listen with connConfig (a copy of the
// pool's: the listening connection is not the pool's, which would take it
// back). Run starts it.
func New(connConfig *pgx.ConnConfig, log *slog.Logger) *Hub {
	return &Hub{connConfig: connConfig.Copy(), log: log, subs: map[int64]map[int64]map[*Subscription]struct{}{}}
}

// Subscription is one stream's interest in one camera of one tenant.
type Subscription struct {
	hub            *Hub
	tenant, camera int64
	wake           chan struct{}
	done           chan struct{}
}

// Wake receives when transactions of the camera may have been committed
// since the subscriber last looked: one was announced, or the hub
// (re)connected and may have missed announcements. Wakes that come while
// one is pending are folded into it: a slow subscriber never holds up the
// hub, and reads everything new at its next look.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Done is closed when the hub stops: the subscriber should end.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close ends the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	cams := h.subs[s.tenant]
	delete(cams[s.camera], s)
	if len(cams[s.camera]) == 0 {
		delete(cams, s.camera)
	}
	if len(cams) == 0 {
		delete(h.subs, s.tenant)
	}
}

// Subscribe registers interest in the camera of the tenant. After the hub
// has stopped, the subscription is done at once.
func (h *Hub) Subscribe(tenantID, cameraID int64) *Subscription {
	s := &Subscription{hub: h, tenant: tenantID, camera: cameraID, wake: make(chan struct{}, 1), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		close(s.done)
		return s
	}
	cams := h.subs[tenantID]
	if cams == nil {
		cams = map[int64]map[*Subscription]struct{}{}
		h.subs[tenantID] = cams
	}
	if cams[cameraID] == nil {
		cams[cameraID] = map[*Subscription]struct{}{}
	}
	cams[cameraID][s] = struct{}{}
	return s
}

// Run listens until ctx ends, reconnecting with backoff when the
// connection fails; after every (re)connect all subscribers are woken to
// read what they may have missed. When it returns, every subscription is
// done and new ones are done at once.
func (h *Hub) Run(ctx context.Context) {
	defer h.stop()
	failures := 0
	for {
		listened, err := h.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if listened {
			failures = 0
		}
		failures++
		// Jittered, so that instances that lost the database together do
		// not all reconnect at the same moment.
		wait := workloop.Backoff(failures, minBackoff, maxBackoff)
		h.log.Warn("live: listening connection lost; reconnecting", "error", err, "in", wait)
		if !workloop.Sleep(ctx, wait) {
			return
		}
	}
}

// listen connects, listens and dispatches announcements until the
// connection fails or ctx ends. listened says whether it got as far as
// listening.
func (h *Hub) listen(ctx context.Context) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, h.connConfig)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	h.wakeAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for notification: %w", err)
		}
		a, err := parseAnnouncement(n.Payload)
		if err != nil {
			h.log.Error("live: unreadable announcement; waking every subscriber", "payload", n.Payload, "error", err)
			h.wakeAll()
			continue
		}
		h.dispatch(a)
	}
}

// announcement is the payload of a notification: new transactions of the
// tenant on the cameras listed, or on any of its cameras when Cameras is
// null.
type announcement struct {
	Tenant  int64   `json:"tenant"`
	Cameras []int64 `json:"cameras"`
}

func parseAnnouncement(payload string) (announcement, error) {
	var a announcement
	if err := json.Unmarshal([]byte(payload), &a); err != nil {
		return a, err
	}
	if a.Tenant <= 0 {
		return a, errors.New("no tenant")
	}
	return a, nil
}

func (h *Hub) dispatch(a announcement) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cams := h.subs[a.Tenant]
	if a.Cameras == nil {
		for _, subs := range cams {
			wake(subs)
		}
		return
	}
	for _, c := range a.Cameras {
		wake(cams[c])
	}
}

func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cams := range h.subs {
		for _, subs := range cams {
			wake(subs)
		}
	}
}

func wake(subs map[*Subscription]struct{}) {
	for s := range subs {
		select {
		case s.wake <- struct{}{}:
		default: // one is pending already
		}
	}
}

func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for _, cams := range h.subs {
		for _, subs := range cams {
			for s := range subs {
				close(s.done)
			}
		}
	}
	h.subs = map[int64]map[int64]map[*Subscription]struct{}{}
}
