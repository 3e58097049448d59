package support

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dbtest"
)

// benchSeed fills a database with 100,000 tenants, each with an owner and
// two cameras, 100,000 links (Smaregi and Ubiregi by turns) and 200,000
// bound terminals: Smaregi's keyed "store:terminal" from small numbers, so
// that a 端末ID alone matches thousands, Ubiregi's by device GUID.
func benchSeed(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		// The triggers keep poll states; a search reads none of them.
		`ALTER TABLE terminal_bindings DISABLE TRIGGER USER`,
		`INSERT INTO tenants (name) SELECT '店舗' || g || ' ' || substr(md5(g::text), 1, 6) FROM generate_series(1, 100000) g`,
		`INSERT INTO users (email, password_hash, role, tenant_id)
		 SELECT 'owner' || id || '@shop' || (id % 1000) || '.example', 'x', 'owner', id FROM tenants`,
		`INSERT INTO cameras (tenant_id, device_id, name, pos_enabled, pos_usable_from)
		 SELECT id, 'SF-' || lpad((id * 2 + k)::text, 7, '0'), 'カメラ', true, '2026-01-01' FROM tenants, generate_series(0, 1) k`,
		`INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		 SELECT id, CASE WHEN id % 2 = 0 THEN 'smaregi' ELSE 'ubiregi' END,
		        CASE WHEN id % 2 = 0 THEN 'sk' || lpad(id::text, 8, '0') ELSE 'ub-' || substr(md5(id::text), 1, 12) END,
		        CASE WHEN id % 2 = 0 THEN 'client_credentials' ELSE 'oauth2' END, '\x00'
		 FROM tenants`,
		`INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, terminal_name, camera_id)
		 SELECT c.tenant_id, c.id,
		        CASE WHEN c.provider = 'smaregi' THEN (1 + (c.id + k) % 5) || ':' || (1 + (c.id * 7 + k) % 9)
		             ELSE upper(regexp_replace(md5(c.id || '-' || k), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5')) END,
		        'レジ' || (k + 1), (SELECT min(cam.id) FROM cameras cam WHERE cam.tenant_id = c.tenant_id)
		 FROM pos_connections c, generate_series(0, 1) k`,
		`VACUUM ANALYZE`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// BenchmarkFind times the search over 100,000 tenants for each kind of
// key, and logs each query's plan (go test -run '^$' -bench Find -v).
func BenchmarkFind(b *testing.B) {
	pool := dbtest.New(b)
	benchSeed(b, pool)
	ctx := context.Background()
	var guid string
	if err := pool.QueryRow(ctx, `SELECT terminal_key FROM terminal_bindings WHERE terminal_key LIKE '%-%' LIMIT 1`).Scan(&guid); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, q string }{
		{"tenant name exact", "店舗77777 " + md5Prefix(b, pool, 77777)},
		{"tenant name part", "店舗7777"},
		{"tenant name 2 chars", "店舗"},
		{"terminal name", "レジ"},
		{"terminal name none", "カウンター"},
		{"tenant name ASCII", "a1b2c3"},
		{"e-mail exact", "owner4242@shop242.example"},
		{"e-mail part", "owner4242@"},
		{"contract ID", "sk00004242"},
		{"terminal ID", "3"},
		{"store:terminal", "2:3"},
		{"device GUID prefix", strings.ToLower(guid[:8])},
		{"camera device ID", "SF-0012345"},
		{"nothing", "zzzzzz"},
	} {
		b.Run(c.name, func(b *testing.B) {
			explain(b, pool, c.q)
			var n int
			for b.Loop() {
				res, err := Find(ctx, pool, c.q, 50)
				if err != nil {
					b.Fatal(err)
				}
				n = len(res.Matches)
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

func md5Prefix(b *testing.B, pool *pgxpool.Pool, id int) string {
	var s string
	if err := pool.QueryRow(context.Background(), `SELECT substr(md5($1::int::text), 1, 6)`, id).Scan(&s); err != nil {
		b.Fatal(err)
	}
	return s
}

// explain logs the plan of the search for q, as Find runs it.
func explain(b *testing.B, pool *pgxpool.Pool, q string) {
	b.Helper()
	q = Normalize(q)
	ids, names, guid := partial(q)
	lower := strings.ToLower(q)
	rows, err := pool.Query(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF) "+findSQL, q, escapeLike(q),
		ids, names, 51, lower, escapeLike(lower), guid)
	if err != nil {
		b.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, line)
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	b.Logf("plan for %q:\n%s", q, strings.Join(plan, "\n"))
}
