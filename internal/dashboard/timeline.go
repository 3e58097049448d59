package dashboard

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// MaxBuckets is the most slots a timeline divides its range into: marks
// of one slot and kind are one mark with a count, so a busy range stays a
// bounded answer.
const MaxBuckets = 240

// Mark is where transactions of one kind happened on the timeline: At is
// the first of them within the slot [Start, End), Count how many.
type Mark struct {
	Start, End time.Time
	At         time.Time
	Kind       Kind
	Count      int
}

// Timeline is the marks of the camera's transactions in [from, to),
// oldest first, in at most MaxBuckets slots per kind.
func (s *Store) Timeline(ctx context.Context, tenantID, cameraID int64, from, to time.Time) ([]Mark, error) {
	q := Query{TenantID: tenantID, CameraID: cameraID, From: from, To: to}
	if _, _, err := q.check(); err != nil {
		return nil, err
	}
	width := to.Sub(from) / MaxBuckets
	if width < time.Second {
		width = time.Second
	}
	rows, err := s.pool.Query(ctx, `SELECT floor(extract(epoch FROM t.sold_at - $3) / $5)::bigint AS slot, t.kind,
			min(t.sold_at), count(*)
		FROM pos_transactions t
		WHERE t.tenant_id = $1 AND t.camera_id = $2 AND t.sold_at >= $3 AND t.sold_at < $4
		GROUP BY slot, t.kind ORDER BY slot, t.kind`, tenantID, cameraID, from, to, width.Seconds())
	if err != nil {
		return nil, wrapRead("timeline", err)
	}
	marks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mark, error) {
		var m Mark
		var slot int64
		err := r.Scan(&slot, &m.Kind, &m.At, &m.Count)
		m.Start = from.Add(time.Duration(slot) * width)
		m.End = m.Start.Add(width)
		if m.End.After(to) {
			m.End = to
		}
		return m, err
	})
	if err != nil {
		return nil, wrapRead("timeline", err)
	}
	return marks, nil
}
