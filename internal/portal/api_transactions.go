package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/stills"
)

// apiDefaultRange is how far back a list reaches when from is not given.
const apiDefaultRange = 72 * time.Hour

// How soon a viewer may ask again for a still that is not there yet: a
// pending one is fetched about a minute after its second; an unreachable
// camera cloud is tried again in a few minutes.
const (
	stillPendingRetry     = 30 * time.Second
	stillUnreachableRetry = 2 * time.Minute
)

// apiNoCamera is the thumbnail's state of a sale on no camera, which has
// no still at all.
const apiNoCamera = "no_camera"

// stillRefusals are the problems the thumbnail answers for a still that
// is not ready, by state.
var stillRefusals = map[stills.State]*apperr.Error{
	stills.Pending:     apperr.New(apperr.Unavailable, "api.err.still_pending").WithRetryAfter(stillPendingRetry),
	stills.Unreachable: apperr.New(apperr.Unavailable, "api.err.still_unreachable").WithRetryAfter(stillUnreachableRetry),
	stills.NoRecording: apperr.New(apperr.NotFound, "api.err.still_no_recording"),
	stills.Evicted:     apperr.New(apperr.NotFound, "api.err.still_evicted"),
	apiNoCamera:        apperr.New(apperr.NotFound, "api.err.still_no_camera"),
}

// apiTransaction is a transaction as the API answers it: times in the
// register's zone, amounts in yen.
type apiTransaction struct {
	ID            int64        `json:"id"`
	CameraID      *int64       `json:"camera_id"`
	SoldAt        time.Time    `json:"sold_at"`
	Kind          string       `json:"kind"`
	Total         int64        `json:"total"`
	Deposit       int64        `json:"deposit"`
	Change        int64        `json:"change"`
	ReceiptNo     string       `json:"receipt_no"`
	Terminal      string       `json:"terminal"`
	TerminalName  string       `json:"terminal_name"`
	Staff         string       `json:"staff"`
	PaymentMethod string       `json:"payment_method,omitempty"`
	Revision      int          `json:"revision"`
	Thumbnail     apiThumbnail `json:"thumbnail"`
}

type apiThumbnail struct {
	State string `json:"state"`
	URL   string `json:"url,omitempty"`
}

// apiRevision is an earlier version of a transaction and what its
// replacement changed.
type apiRevision struct {
	Revision      int       `json:"revision"`
	Reason        string    `json:"reason"`
	ReplacedAt    time.Time `json:"replaced_at"`
	Kind          string    `json:"kind"`
	SoldAt        time.Time `json:"sold_at"`
	Terminal      string    `json:"terminal"`
	Total         int64     `json:"total"`
	Deposit       int64     `json:"deposit"`
	Change        int64     `json:"change"`
	ReceiptNo     string    `json:"receipt_no"`
	Staff         string    `json:"staff"`
	PaymentMethod string    `json:"payment_method"`
	Changed       []string  `json:"changed"`
}

func apiThumbnailURL(txnID int64) string {
	return APIPrefix + "/transactions/" + strconv.FormatInt(txnID, 10) + "/thumbnail"
}

// toAPITransaction is t with its still's state (looked up in states).
func toAPITransaction(t dashboard.Transaction, states map[int64]stills.State) apiTransaction {
	out := apiTransaction{ID: t.ID, SoldAt: t.SoldAt, Kind: string(t.Kind), Total: t.Total, Deposit: t.Deposit,
		Change: t.Change, ReceiptNo: t.ReceiptNo, Terminal: t.TerminalKey, TerminalName: t.TerminalName, Staff: t.Staff,
		PaymentMethod: t.PaymentMethod, Revision: t.Revision}
	out.Thumbnail.State = apiNoCamera
	if t.CameraID != 0 {
		out.CameraID = &t.CameraID
		st, ok := states[t.ID]
		if !ok {
			st = stills.Evicted
		}
		out.Thumbnail.State = string(st)
		if st == stills.Ready {
			out.Thumbnail.URL = apiThumbnailURL(t.ID)
		}
	}
	return out
}

func toAPIRevisions(revs []dashboard.Revision) []apiRevision {
	out := make([]apiRevision, 0, len(revs))
	for _, r := range revs {
		reason := "delivery"
		if r.Vanished {
			reason = "vanished"
		}
		v := r.Before
		changed := r.Changed
		if changed == nil {
			changed = []string{}
		}
		out = append(out, apiRevision{Revision: r.Number, Reason: reason, ReplacedAt: r.ReplacedAt, Kind: string(v.Kind),
			SoldAt: v.SoldAt, Terminal: v.TerminalKey, Total: v.Total, Deposit: v.Deposit, Change: v.Change,
			ReceiptNo: v.ReceiptNo, Staff: v.Staff, PaymentMethod: v.PaymentMethod, Changed: changed})
	}
	return out
}

// apiQuery reads the list's parameters; the domain checks what they ask
// (the range, the kind, the search, the cursor). An empty parameter is an
// absent one.
func (s *Server) apiQuery(v url.Values, tenantID, cameraID int64) (dashboard.Query, error) {
	q := dashboard.Query{TenantID: tenantID, CameraID: cameraID, Kind: dashboard.Kind(v.Get(dashboard.ParamKind)),
		Q: v.Get(dashboard.ParamQ), Cursor: v.Get(dashboard.ParamCursor)}
	instant := func(param string) (time.Time, error) {
		raw := v.Get(param)
		if raw == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return time.Time{}, apperr.Field(param, "api.err.time")
		}
		return t, nil
	}
	var err error
	if q.From, err = instant(dashboard.ParamFrom); err != nil {
		return q, err
	}
	if q.To, err = instant(dashboard.ParamTo); err != nil {
		return q, err
	}
	if q.To.IsZero() {
		q.To = s.deps.Dashboard.Now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-apiDefaultRange)
	}
	if raw := v.Get(dashboard.ParamLimit); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return q, apperr.Field(dashboard.ParamLimit, "dash.err.limit")
		}
		q.Limit = n
	}
	return q, nil
}

// apiCameraTransactions is GET /api/v1/cameras/{cameraID}/transactions: a
// page of the camera's transactions, newest first, each with its still's
// state. Another tenant's camera is not found.
func (s *Server) apiCameraTransactions(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "cameraID")
	if !ok {
		return
	}
	ctx := r.Context()
	tenantID := apiTenant(ctx)
	if _, err := s.deps.Tenancy.Camera(ctx, tenantID, id); err != nil {
		s.respond(w, r, err)
		return
	}
	q, err := s.apiQuery(r.URL.Query(), tenantID, id)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	page, err := s.deps.Dashboard.List(ctx, q)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	ids := make([]int64, len(page.Items))
	for i, t := range page.Items {
		ids[i] = t.ID
	}
	states, err := s.deps.Stills.States(ctx, tenantID, ids)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	out := struct {
		Transactions []apiTransaction `json:"transactions"`
		NextCursor   string           `json:"next_cursor,omitempty"`
		PrevCursor   string           `json:"prev_cursor,omitempty"`
	}{Transactions: make([]apiTransaction, 0, len(page.Items)), NextCursor: page.Next, PrevCursor: page.Prev}
	for _, t := range page.Items {
		out.Transactions = append(out.Transactions, toAPITransaction(t, states))
	}
	writeJSON(w, r, out)
}

// apiTransactionDetail is GET /api/v1/transactions/{txnID}: one transaction of
// the tenant with its earlier versions, oldest first.
func (s *Server) apiTransactionDetail(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "txnID")
	if !ok {
		return
	}
	ctx := r.Context()
	tenantID := apiTenant(ctx)
	t, err := s.deps.Dashboard.Get(ctx, tenantID, id)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	states, err := s.deps.Stills.States(ctx, tenantID, []int64{t.ID})
	if err != nil {
		s.respond(w, r, err)
		return
	}
	writeJSON(w, r, struct {
		Transaction apiTransaction `json:"transaction"`
		Revisions   []apiRevision  `json:"revisions"`
	}{toAPITransaction(t, states), toAPIRevisions(t.Revisions)})
}

// apiThumbnail is GET /api/v1/transactions/{txnID}/thumbnail: the stored
// still as a JPEG, or a problem saying why there is none (yet). It reads
// the database only, never the camera cloud.
func (s *Server) apiThumbnail(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "txnID")
	if !ok {
		return
	}
	st, err := s.deps.Stills.Read(r.Context(), apiTenant(r.Context()), id)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	state := st.State
	if st.CameraID == 0 {
		state = apiNoCamera
	}
	if state != stills.Ready {
		refusal, ok := stillRefusals[state]
		if !ok {
			refusal = stillRefusals[stills.Pending]
		}
		s.respond(w, r, refusal)
		return
	}
	serveStillImage(w, r, st)
}
