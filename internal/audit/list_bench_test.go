package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
)

// benchLog fills a log of n entries over a year: 1,000 tenants, the
// actions in the proportions a live system writes them (link.status and
// link.bind the most, tenant.create once per tenant), every tenth entry
// by one of 50 staff members, the rest by the tenant's owner.
func benchLog(b *testing.B, n int) *pgxpool.Pool {
	b.Helper()
	ctx := context.Background()
	pool := dbtest.New(b)
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (name) SELECT 'テナント' || i FROM generate_series(1, 1000) i`); err != nil {
		b.Fatal(err)
	}
	_, err := pool.Exec(ctx, `
		INSERT INTO audit_log (at, actor, actor_id, action, tenant_id, target, details, address)
		SELECT timestamptz '2026-01-01 00:00+09' + (i * interval '1 year' / $1),
		       CASE WHEN i % 10 = 0 THEN 'staff' || (i % 50) || '@poslink.example' ELSE 'owner' || (i % 1000) || '@shop.example' END,
		       i % 2000,
		       (ARRAY['link.status','link.status','link.status','link.bind','link.bind','link.unbind','camera.update',
		              'camera.pos_option','link.update','user.set_password','tenant.rename','link.delete'])[1 + i % 12],
		       1 + (i * 7919) % 1000, 'connection:' || i, jsonb_build_object('n', i), '192.0.2.1'
		FROM generate_series(1, $1) i`, n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE audit_log`); err != nil {
		b.Fatal(err)
	}
	return pool
}

// BenchmarkListFilters lists one page of 101 entries of a log of 200,000
// with each kind of filter, and logs the plan of each (go test
// -run=^$ -bench=ListFilters -v ./internal/audit/).
func BenchmarkListFilters(b *testing.B) {
	pool := benchLog(b, 200_000)
	ctx := context.Background()
	jst := time.FixedZone("JST", 9*3600)
	cases := []struct {
		name string
		f    audit.Filter
	}{
		{"all", audit.Filter{}},
		{"tenant", audit.Filter{TenantID: 17}},
		{"tenant_older", audit.Filter{TenantID: 17, BeforeID: 100_000}},
		{"tenant_name", audit.Filter{TenantName: "テナント99"}},
		{"actor_text", audit.Filter{ActorText: "staff7@"}},
		{"actor_id", audit.Filter{ActorIDs: []int64{1234}}},
		{"action_rare", audit.Filter{Action: "tenant.rename"}},
		{"action_group", audit.Filter{Action: "user."}},
		{"action_none", audit.Filter{Action: "user.enable"}},
		{"action_group_none", audit.Filter{Action: "poll."}},
		{"range_old_week", audit.Filter{From: time.Date(2026, 2, 1, 0, 0, 0, 0, jst), To: time.Date(2026, 2, 8, 0, 0, 0, 0, jst)}},
		{"tenant_action_range", audit.Filter{TenantID: 17, Action: "link.", From: time.Date(2026, 2, 1, 0, 0, 0, 0, jst),
			To: time.Date(2026, 6, 1, 0, 0, 0, 0, jst)}},
		{"nothing_matches", audit.Filter{ActorText: "nobody"}},
	}
	for _, c := range cases {
		c.f.Limit = 101
		b.Run(c.name, func(b *testing.B) {
			logPlan(b, pool, c.f)
			for b.Loop() {
				if _, err := audit.List(ctx, pool, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExport exports a selection of 100,000 entries.
func BenchmarkExport(b *testing.B) {
	pool := benchLog(b, 200_000)
	ctx := context.Background()
	for b.Loop() {
		n, err := audit.Export(ctx, pool, audit.Filter{}, func([]audit.Entry) error { return nil })
		if err != nil || n != audit.MaxExport {
			b.Fatalf("exported %d, %v", n, err)
		}
	}
}

// logPlan logs how PostgreSQL runs f's query, with its timing.
func logPlan(b *testing.B, pool *pgxpool.Pool, f audit.Filter) {
	b.Helper()
	ex := &explainer{Querier: pool}
	if _, err := audit.List(context.Background(), ex, f); err != nil {
		b.Fatal(err)
	}
	b.Logf("%+v\n%s", f, strings.Join(ex.plan, "\n"))
}

// explainer runs each query after logging its plan.
type explainer struct {
	db.Querier
	plan []string
}

func (e *explainer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := e.Querier.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		e.plan = append(e.plan, line)
	}
	rows.Close()
	return e.Querier.Query(ctx, sql, args...)
}
