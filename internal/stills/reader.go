package stills

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/imagefit"
)

// Still is a transaction's still as a page serves it.
type Still struct {
	TransactionID int64
	// CameraID is the camera the sale was rung up under; 0 for none.
	CameraID int64
	State    State
	// Image is a JPEG when State is Ready.
	Image     []byte
	FetchedAt time.Time
}

// ETag names the image's bytes (empty unless Ready).
func (s Still) ETag() string {
	if s.State != Ready {
		return ""
	}
	return imagefit.ETag(s.Image)
}

// Reader reads stills for pages. It never writes.
type Reader struct{ pool *pgxpool.Pool }

// NewReader returns a reader on pool.
func NewReader(pool *pgxpool.Pool) *Reader { return &Reader{pool: pool} }

var errNotFound = apperr.New(apperr.NotFound, "err.not_found")

// Read is the still of the tenant's transaction txnID; another tenant's
// is not found. A transaction without a still row (a payment sold before
// the window, or none on a camera) is Evicted: not kept.
func (r *Reader) Read(ctx context.Context, tenantID, txnID int64) (Still, error) {
	s := Still{TransactionID: txnID}
	var camID *int64
	var state *string
	var fetched *time.Time
	err := r.pool.QueryRow(ctx, `
		SELECT t.camera_id, s.state, s.image, s.fetched_at
		FROM pos_transactions t LEFT JOIN transaction_stills s ON s.transaction_id = t.id
		WHERE t.tenant_id = $1 AND t.id = $2`, tenantID, txnID).Scan(&camID, &state, &s.Image, &fetched)
	if errors.Is(err, pgx.ErrNoRows) {
		return Still{}, errNotFound
	}
	if err != nil {
		return Still{}, fmt.Errorf("read still: %w", err)
	}
	if camID != nil {
		s.CameraID = *camID
	}
	s.State = Evicted
	if state != nil {
		s.State = State(*state)
	}
	if fetched != nil {
		s.FetchedAt = *fetched
	}
	return s, nil
}
