package dashboard_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/dashboard/dashtest"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/poller"
)

// BenchmarkList lists pages of random cameras among 1,000,000
// transactions over 200 cameras (a sale every ~17 s each, over 40 days):
// the newest page of 24H, and a page deep into the history by its cursor.
func BenchmarkList(b *testing.B) {
	pool := dbtest.New(b)
	ctx := b.Context()
	tenant, first := dashtest.Tenant(b, pool, "bench", "cam-0")
	conn := dashtest.Connection(b, pool, tenant, "smaregi", "skbench")
	cams := []int64{first}
	for i := 1; i < 200; i++ {
		cams = append(cams, dashtest.Camera(b, pool, tenant, "cam-"+itoa(i)))
	}
	if _, err := pool.Exec(ctx, `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key,
			camera_id, sold_at, sold_utc_offset, kind, total, deposit, change, receipt_no, provider_updated_at, raw)
		SELECT $1, $2, g::text, 'k' || (g % 200), ($3::bigint[])[1 + g % 200], $4::timestamptz - g * interval '3456 ms', 32400,
			(ARRAY['payment','payment','payment','payment','cancel','modify','delete'])[1 + g % 7], 1000, 1000, 0, 'R' || g, now(), '{}'
		FROM generate_series(1, 1000000) g`, tenant, conn, cams, now); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE pos_transactions`); err != nil {
		b.Fatal(err)
	}
	store := dashboard.NewStore(dashtest.Reads(b, pool), poller.NewStatusReader(pool, jst, func() time.Time { return now }), func() time.Time { return now })
	b.Run("newest-24h", func(b *testing.B) {
		for b.Loop() {
			q := dashboard.Query{TenantID: tenant, CameraID: cams[rand.IntN(len(cams))], From: now.Add(-24 * time.Hour), To: now}
			if _, err := store.List(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("deep-cursor-31d-kind", func(b *testing.B) {
		for b.Loop() {
			to := now.Add(-time.Duration(rand.IntN(9*24)) * time.Hour)
			q := dashboard.Query{TenantID: tenant, CameraID: cams[rand.IntN(len(cams))], From: to.Add(-dashboard.MaxRange), To: to,
				Kind: dashboard.Cancel}
			p, err := store.List(ctx, q)
			if err != nil || p.Next == "" {
				b.Fatal(err, p.Next)
			}
			q.Cursor = p.Next
			if _, err := store.List(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
