package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
)

var jst = time.FixedZone("JST", 9*3600)

// seeded is one entry the filter tests write, at a time of their choice.
type seeded struct {
	at       time.Time
	actor    string
	actorID  int64
	action   string
	tenantID int64
	target   string
}

// seedLog writes the entries with their own times, and two tenants
// ("渋谷店" 1 and "新宿_店" 2) for the name filter.
func seedLog(t *testing.T, entries []seeded) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (name) VALUES ('渋谷店'), ('新宿_店'), ('Cafe 100%')`); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, actor_id, action, tenant_id, target)
			VALUES ($1, $2, nullif($3, 0), $4, nullif($5, 0), $6)`, e.at, e.actor, e.actorID, e.action, e.tenantID, e.target); err != nil {
			t.Fatal(err)
		}
	}
	return pool
}

func targets(entries []audit.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Target
	}
	return out
}

func day(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, jst) }

// Every filter alone and together, newest first, with LIKE's wildcards
// taken literally.
func TestListFilters(t *testing.T) {
	pool := seedLog(t, []seeded{
		{day(20, 9), "owner@shibuya.example", 11, "link.bind", 1, "a"},
		{day(20, 23), "staff@poslink.example", 99, "link.unbind", 1, "b"},
		{day(21, 0), "owner@shinjuku.example", 22, "camera.update", 2, "c"},
		{day(21, 12), "system:poller", 0, "link.status", 2, "d"},
		{day(22, 8), "staff@poslink.example", 99, "tenant.rename", 1, "e"},
		{day(22, 8), "cli:root", 0, "linkx.other", 0, "f"},
		{day(23, 1), "owner_1@cafe.example", 33, "link.bind", 3, "g"},
	})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"all, newest first; same time by ID", audit.Filter{}, "[g f e d c b a]"},
		{"tenant", audit.Filter{TenantID: 1}, "[e b a]"},
		{"tenant name, any case", audit.Filter{TenantName: "渋谷"}, "[e b a]"},
		{"tenant name with _ taken literally", audit.Filter{TenantName: "宿_"}, "[d c]"},
		{"tenant name with % taken literally", audit.Filter{TenantName: "100%"}, "[g]"},
		{"tenant name matching none", audit.Filter{TenantName: "店店"}, "[]"},
		{"actor ID", audit.Filter{ActorIDs: []int64{99}}, "[e b]"},
		{"actor IDs", audit.Filter{ActorIDs: []int64{11, 33}}, "[g a]"},
		{"actor text, any case", audit.Filter{ActorText: "STAFF@"}, "[e b]"},
		{"actor text with _ taken literally", audit.Filter{ActorText: "owner_"}, "[g]"},
		{"actor text of the system", audit.Filter{ActorText: "system:"}, "[d]"},
		{"one action", audit.Filter{Action: "link.bind"}, "[g a]"},
		{"a group of actions, not its look-alikes", audit.Filter{Action: "link."}, "[g d b a]"},
		{"an action no entry has", audit.Filter{Action: "user.enable"}, "[]"},
		{"from, inclusive", audit.Filter{From: day(21, 12)}, "[g f e d]"},
		{"to, exclusive", audit.Filter{To: day(21, 0)}, "[b a]"},
		{"a day", audit.Filter{From: day(21, 0), To: day(22, 0)}, "[d c]"},
		{"together", audit.Filter{TenantID: 1, ActorText: "staff", Action: "link.", From: day(20, 0), To: day(21, 0)}, "[b]"},
		{"limit", audit.Filter{Limit: 2}, "[g f]"},
	} {
		got, err := audit.List(ctx, pool, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s := fmt.Sprint(targets(got)); s != c.want {
			t.Errorf("%s: %s, want %s", c.name, s, c.want)
		}
	}
}

// Paging backwards continues where the last page ended, under the same
// filter, also between entries of the same time; an entry of another
// tenant than the filter's gives nothing to page from.
func TestListPagesBackwards(t *testing.T) {
	var entries []seeded
	for i := range 9 {
		// Three entries per hour, so that pages split entries of one time.
		entries = append(entries, seeded{at: day(20, i/3), actor: "x", action: "a.b", tenantID: int64(1 + i%2), target: fmt.Sprint(i)})
	}
	pool := seedLog(t, entries)
	ctx := context.Background()
	for _, f := range []audit.Filter{{}, {TenantID: 1}} {
		all, err := audit.List(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		var paged []audit.Entry
		for page := f; ; {
			page.Limit = 2
			got, err := audit.List(ctx, pool, page)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, got...)
			if len(got) < 2 {
				break
			}
			page.BeforeID = got[len(got)-1].ID
		}
		if a, b := fmt.Sprint(targets(all)), fmt.Sprint(targets(paged)); a != b {
			t.Errorf("tenant %d: pages %s, whole %s", f.TenantID, b, a)
		}
	}
	all, _ := audit.List(ctx, pool, audit.Filter{})
	var otherTenants int64
	for _, e := range all {
		if e.TenantID == 2 {
			otherTenants = e.ID
			break
		}
	}
	got, err := audit.List(ctx, pool, audit.Filter{TenantID: 1, BeforeID: otherTenants})
	if err != nil || len(got) != 0 {
		t.Errorf("paging tenant 1 from tenant 2's entry: %v, %v", targets(got), err)
	}
	if got, err := audit.List(ctx, pool, audit.Filter{BeforeID: 999_999}); err != nil || len(got) != 0 {
		t.Errorf("paging from an entry that does not exist: %v, %v", targets(got), err)
	}
}

// Export hands over the whole selection in batches, newest first, up to
// its bound, and stops at the caller's error.
func TestExport(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	// 2,503 entries: three batches of the export, and a few.
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, tenant_id, target)
		SELECT timestamptz '2026-11-01 00:00+09' + i * interval '1 minute', 'x', 'a.' || (i % 2), NULL, i::text
		FROM generate_series(1, 2503) i`); err != nil {
		t.Fatal(err)
	}
	var got []string
	var batches []int
	n, err := audit.Export(ctx, pool, audit.Filter{}, func(b []audit.Entry) error {
		batches = append(batches, len(b))
		got = append(got, targets(b)...)
		return nil
	})
	if err != nil || n != 2503 || len(got) != 2503 {
		t.Fatalf("exported %d (%d handed over), %v", n, len(got), err)
	}
	if got[0] != "2503" || got[2502] != "1" || slices.Max(batches) > 1000 {
		t.Errorf("first %s, last %s, batches %v", got[0], got[2502], batches)
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Fatalf("entry %s handed over twice", g)
		}
		seen[g] = true
	}

	n, err = audit.Export(ctx, pool, audit.Filter{Action: "a.1", Limit: 1100}, func(b []audit.Entry) error {
		for _, e := range b {
			if e.Action != "a.1" {
				t.Fatalf("export of a.1 holds %s", e.Action)
			}
		}
		return nil
	})
	if err != nil || n != 1100 {
		t.Errorf("bounded export: %d, %v", n, err)
	}

	stop := errors.New("client went away")
	calls := 0
	n, err = audit.Export(ctx, pool, audit.Filter{}, func([]audit.Entry) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 || n != 0 {
		t.Errorf("after the caller's error: %d calls, %d, %v", calls, n, err)
	}
}
