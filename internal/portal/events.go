package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/live"
)

// The stream's timing: a comment this often keeps proxies from closing an
// idle stream (and finds a client gone); each write may take writeWait,
// whatever the server's WriteTimeout; a browser reconnects after retry.
const (
	heartbeat = 20 * time.Second
	writeWait = 10 * time.Second
	retryMS   = 3000
)

// errBadAfter refuses a resume point that is not a place in the change
// order.
var errBadAfter = apperr.New(apperr.Invalid, "err.bad_request")

// cameraEvents streams the owner's camera's new and changed transactions
// as server-sent events (GET /cameras/{cameraID}/events): each event is
// one transaction in its version now (the data: its row with its
// revision), the event's id its place in the change order (live.Latest).
// It resumes after Last-Event-ID (a browser's reconnect) or ?after= (the
// newest place when the page was read), and starts at the newest place
// without either.
func (s *Server) cameraEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := ownedByPath(s, w, r, "cameraID", s.deps.Tenancy.Camera)
	if !ok {
		return
	}
	after, err := resumeAfter(r)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.StreamTransactions(w, r, currentUser(r.Context()).TenantID, c.ID, after)
}

// resumeAfter is the place a stream resumes after: Last-Event-ID, else
// ?after=; -1 for neither. A transaction ID sent as an event's id before
// changes were streamed is still the right place.
func resumeAfter(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("after")
	}
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errBadAfter
	}
	return n, nil
}

// StreamTransactions streams the tenant's camera's transactions stored or
// changed after the place after (-1: from now) until the client leaves or
// the instance shuts down. The caller has checked that the camera is
// the tenant's; the JSON API mounts it as its stream. It only reads.
func (s *Server) StreamTransactions(w http.ResponseWriter, r *http.Request, tenantID, cameraID, after int64) {
	ctx := r.Context()
	// Subscribed before the first read: what commits in between wakes it.
	sub := s.deps.Live.Subscribe(tenantID, cameraID)
	defer sub.Close()
	f, err := live.Follow(ctx, s.deps.Reads, tenantID, cameraID, after)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	// The server's read timeout would end the request's context; the
	// stream reads nothing more.
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		s.respond(w, r, fmt.Errorf("stream: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Proxies that buffer (nginx) would hold the events back.
	h.Set("X-Accel-Buffering", "no")
	log := httpx.Logger(ctx)
	// The first id is where the stream began: a browser that reconnects
	// before any event resumes there.
	if err := send(rc, w, fmt.Sprintf("retry: %d\nid: %d\n\n", retryMS, f.Start())); err != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		if err := s.sendNew(ctx, rc, w, f); err != nil {
			log.Debug("transaction stream ends", "error", err)
			return
		}
		select {
		case <-sub.Wake():
		case <-tick.C:
			if err := send(rc, w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-sub.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// sendNew sends what the follower has not delivered yet, a page at a time;
// a transaction changed since it was sent comes again, in its new version.
func (s *Server) sendNew(ctx context.Context, rc *http.ResponseController, w http.ResponseWriter, f *live.Follower) error {
	for {
		txns, err := f.Next(ctx)
		if err != nil {
			return err
		}
		for _, t := range txns {
			data, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("encode transaction %d: %w", t.ID, err)
			}
			if err := send(rc, w, fmt.Sprintf("id: %d\nevent: transaction\ndata: %s\n\n", t.Place, data)); err != nil {
				return err
			}
		}
		if len(txns) < live.Limit {
			return nil
		}
	}
}

// send writes and flushes one event, with its own write deadline.
func send(rc *http.ResponseController, w http.ResponseWriter, event string) error {
	if err := rc.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if _, err := w.Write([]byte(event)); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	return nil
}
