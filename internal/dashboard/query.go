package dashboard

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/textcheck"
)

// The names of a query's parameters, as errors name them.
const (
	ParamFrom   = "from"
	ParamTo     = "to"
	ParamKind   = "kind"
	ParamQ      = "q"
	ParamLimit  = "limit"
	ParamCursor = "cursor"
)

// Query selects transactions of one camera of one tenant.
type Query struct {
	TenantID, CameraID int64
	// From (included) and To (excluded) bound the sale times; both needed.
	From, To time.Time
	// Kind keeps one kind only; empty for all.
	Kind Kind
	// Q keeps the transactions whose receipt number, register (key or
	// name) or staff contains it.
	Q string
	// Limit is the page's length (DefaultLimit when zero, at most
	// MaxLimit).
	Limit int
	// Cursor continues from the last item of an earlier page of the same
	// camera and filter (Page.Next); empty for the newest.
	Cursor string
}

// check refuses what no query may ask and fills the defaults; it answers
// where the cursor continues (zero when it does not) and whether to older
// or newer transactions.
func (q *Query) check() (position, byte, error) {
	switch {
	case q.From.IsZero():
		return position{}, older, apperr.Field(ParamFrom, "dash.err.time")
	case q.To.IsZero():
		return position{}, older, apperr.Field(ParamTo, "dash.err.time")
	case !q.From.Before(q.To):
		return position{}, older, apperr.Field(ParamFrom, "dash.err.from_after_to")
	case q.To.Sub(q.From) > MaxRange:
		return position{}, older, apperr.Field(ParamFrom, "dash.err.range_too_long")
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return position{}, older, apperr.Field(ParamKind, "dash.err.kind")
	}
	q.Q = strings.TrimSpace(q.Q)
	if p := textcheck.Line(q.Q, MaxQueryLen); p != textcheck.OK {
		return position{}, older, apperr.Field(ParamQ, p.Key())
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return position{}, older, apperr.Field(ParamLimit, "dash.err.limit")
	}
	if q.Cursor == "" {
		return position{}, older, nil
	}
	pos, dir, ok := decodeCursor(q.Cursor, q.filterTag())
	if !ok {
		return position{}, older, apperr.Field(ParamCursor, "dash.err.cursor")
	}
	return pos, dir, nil
}

// position is where a page ends in the list's order (sold_at DESC, id DESC).
type position struct {
	soldAt time.Time
	id     int64
}

func (p position) zero() bool { return p.id == 0 }

// filterTag identifies the list a cursor belongs to: the tenant, the camera
// and the filter (not the time range, which a page's "now" moves). A
// cursor of another list is refused; one forged for this list can only
// start it elsewhere, as every query keeps its tenant and camera.
func (q Query) filterTag() [8]byte {
	h := sha256.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(q.TenantID))
	binary.BigEndian.PutUint64(b[8:], uint64(q.CameraID))
	h.Write(b[:])
	h.Write([]byte(q.Kind))
	h.Write([]byte{0})
	h.Write([]byte(q.Q))
	var tag [8]byte
	copy(tag[:], h.Sum(nil))
	return tag
}

// cursorLen is a cursor's bytes: the direction, the sale time (Unix
// microseconds), the ID and the filter's tag.
const cursorLen = 1 + 8 + 8 + 8

func encodeCursor(p position, dir byte, tag [8]byte) string {
	var b [cursorLen]byte
	b[0] = dir
	binary.BigEndian.PutUint64(b[1:9], uint64(p.soldAt.UnixMicro()))
	binary.BigEndian.PutUint64(b[9:17], uint64(p.id))
	copy(b[17:], tag[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string, tag [8]byte) (position, byte, bool) {
	if len(s) > 64 {
		return position{}, 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != cursorLen || [8]byte(b[17:]) != tag || (b[0] != older && b[0] != newer) {
		return position{}, 0, false
	}
	id := int64(binary.BigEndian.Uint64(b[9:17]))
	if id <= 0 {
		return position{}, 0, false
	}
	return position{soldAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[1:9]))), id: id}, b[0], true
}

// likePattern is q as a LIKE pattern matching any text that contains it.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}
