package portal

import (
	"net/http"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/web/views"
)

// pollStatuses reads how the polling of each of the tenant's connections
// stands, by connection ID; none when the portal was built without the
// reader (tests of one page's handler).
func (s *Server) pollStatuses(r *http.Request, tenantID int64) (map[int64]poller.ConnStatus, error) {
	if s.deps.PollStatus == nil {
		return nil, nil
	}
	return s.deps.PollStatus.Status(r.Context(), tenantID)
}

// pollStatusView is a connection's polling as the pages show it; a
// connection with no status read (ok false) shows none.
func (s *Server) pollStatusView(r *http.Request, st poller.ConnStatus, ok bool) views.PollStatus {
	if !ok {
		return views.PollStatus{}
	}
	v := views.PollStatus{Shown: true, State: string(st.State), StateLabel: text(r, st.State.Key()),
		Today: st.Today, ErrorText: st.LastErrorText, Failures: st.Failures, Stopped: st.Stopped}
	switch {
	case !st.LastOK.IsZero():
		v.LastOK = s.timeText(r, st.LastOK)
	case st.Polled && st.LastAttempt.IsZero():
		v.LastOK = text(r, "linkstatus.waiting")
	default:
		v.LastOK = text(r, "linkstatus.none_yet")
	}
	switch {
	case st.NextPoll.IsZero() && st.State != poller.StateActive:
		v.Next = text(r, "linkstatus.stopped")
	case st.NextPoll.IsZero():
		v.Next = text(r, "linkstatus.unbound")
	case !st.NextPoll.After(s.deps.Now()):
		// Due already: an instance claims it within moments.
		v.Next = text(r, "linkstatus.soon")
	default:
		v.Next = s.timeText(r, st.NextPoll)
	}
	if st.LastError != nil {
		v.Error, v.ErrorAt = pollErrorMessage(r, st.LastError), s.timeText(r, st.LastErrorAt)
		v.ErrorResolved = st.LastOK.After(st.LastErrorAt)
	}
	return v
}

// pollErrorMessage is a stored failure in its owner's words. It is not
// Explain: a page that shows an old failure is no failure to log.
func pollErrorMessage(r *http.Request, err error) string {
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		return text(r, e.Key, e.Args...)
	}
	return text(r, "poll.err.internal")
}

// timeText writes an instant in the operator's zone, as the audit log does.
func (s *Server) timeText(r *http.Request, t time.Time) string {
	return views.Page{Lang: langOf(r.Context())}.Time(t, s.cfg.Location)
}
