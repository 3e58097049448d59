package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/dashboard/dashtest"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/poller"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	jst  = time.FixedZone("JST", 9*3600)
	now  = time.Date(2026, 11, 23, 12, 0, 0, 0, jst)
	from = now.Add(-72 * time.Hour)
)

type fixture struct {
	pool               *pgxpool.Pool
	store              *dashboard.Store
	tenant, camera     int64
	conn               int64
	otherTenant, other int64 // another tenant and its camera
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	fx := &fixture{pool: pool, store: dashboard.NewStore(dashtest.Reads(t, pool), poller.NewStatusReader(pool, jst, func() time.Time { return now }), func() time.Time { return now })}
	fx.tenant, fx.camera = dashtest.Tenant(t, pool, "A店", "cam-a")
	fx.conn = dashtest.Connection(t, pool, fx.tenant, "smaregi", "ska")
	dashtest.Bind(t, pool, fx.tenant, fx.conn, "1:1", "レジ1", fx.camera, now.Add(-100*time.Hour), time.Time{})
	fx.otherTenant, fx.other = dashtest.Tenant(t, pool, "B店", "cam-b")
	return fx
}

func (fx *fixture) txn(t *testing.T, at time.Time, kind, receipt, staff string, total int64) int64 {
	return dashtest.Insert(t, fx.pool, fx.tenant, fx.conn, dashtest.Txn{CameraID: fx.camera, SoldAt: at, Kind: kind,
		Total: total, Deposit: total + 1000, Change: 1000, ReceiptNo: receipt, Staff: staff, TerminalKey: "1:1", TerminalName: "レジ1"})
}

func (fx *fixture) query() dashboard.Query {
	return dashboard.Query{TenantID: fx.tenant, CameraID: fx.camera, From: from, To: now}
}

func ids(items []dashboard.Transaction) []int64 {
	out := make([]int64, 0, len(items))
	for _, t := range items {
		out = append(out, t.ID)
	}
	return out
}

// Paging older then newer through a long history gives every transaction
// once, in one stable order (sale time, then ID, newest first), sales of
// the same second included.
func TestPagingIsStableDeepIntoHistory(t *testing.T) {
	fx := newFixture(t)
	for i := range 230 {
		// Three sales in each second: ties on sold_at.
		at := now.Add(-time.Duration(i/3) * time.Minute)
		fx.txn(t, at, "payment", fmt.Sprintf("R%04d", i), "佐藤", 100)
	}
	// The reference order: sold_at DESC, id DESC.
	rows, err := fx.pool.Query(t.Context(), `SELECT id FROM pos_transactions WHERE sold_at >= $1 AND sold_at < $2 ORDER BY sold_at DESC, id DESC`, from, now)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	q := fx.query()
	q.Limit = 17
	var got []int64
	var pages []dashboard.Page
	for {
		p, err := fx.store.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		got = append(got, ids(p.Items)...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paging older: %d items %v\nwant %d %v", len(got), got, len(want), want)
	}
	// Back from the last page to the first with Prev.
	last := pages[len(pages)-1]
	var back []int64
	for p := last; p.Prev != ""; {
		q.Cursor = p.Prev
		var err error
		if p, err = fx.store.List(t.Context(), q); err != nil {
			t.Fatal(err)
		}
		back = append(ids(p.Items), back...)
	}
	if !slices.Equal(append(back, ids(last.Items)...), want) {
		t.Fatalf("paging newer does not give the same pages back")
	}
	if pages[0].Prev != "" {
		t.Errorf("the newest page offers newer ones")
	}
}

func TestFiltersAndSearch(t *testing.T) {
	fx := newFixture(t)
	pay := fx.txn(t, now.Add(-time.Hour), "payment", "R-100", "佐藤", 1200)
	cancel := fx.txn(t, now.Add(-2*time.Hour), "cancel", "R_101", "鈴木", 800)
	pct := fx.txn(t, now.Add(-3*time.Hour), "payment", "50%OFF", "田中", 500)
	old := fx.txn(t, now.Add(-80*time.Hour), "payment", "R-099", "佐藤", 500)
	cases := []struct {
		name string
		mod  func(*dashboard.Query)
		want []int64
	}{
		{"all", func(*dashboard.Query) {}, []int64{pay, cancel, pct}},
		{"kind", func(q *dashboard.Query) { q.Kind = dashboard.Cancel }, []int64{cancel}},
		{"receipt", func(q *dashboard.Query) { q.Q = "r-1" }, []int64{pay}},
		{"staff", func(q *dashboard.Query) { q.Q = "鈴木" }, []int64{cancel}},
		{"register name", func(q *dashboard.Query) { q.Q = "レジ1" }, []int64{pay, cancel, pct}},
		{"register key", func(q *dashboard.Query) { q.Q = "1:1" }, []int64{pay, cancel, pct}},
		// LIKE's wildcards are text.
		{"percent", func(q *dashboard.Query) { q.Q = "%" }, []int64{pct}},
		{"underscore", func(q *dashboard.Query) { q.Q = "_" }, []int64{cancel}},
		{"range", func(q *dashboard.Query) { q.From = now.Add(-100 * time.Hour); q.To = now.Add(-70 * time.Hour) }, []int64{old}},
		{"kind and search", func(q *dashboard.Query) { q.Kind = dashboard.Payment; q.Q = "佐藤" }, []int64{pay}},
	}
	for _, c := range cases {
		q := fx.query()
		c.mod(&q)
		p, err := fx.store.List(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(ids(p.Items), c.want) {
			t.Errorf("%s: %v, want %v", c.name, ids(p.Items), c.want)
		}
	}
}

// Each bad parameter is refused with an error naming it.
func TestBadParametersNameTheParameter(t *testing.T) {
	fx := newFixture(t)
	for range 3 {
		fx.txn(t, now.Add(-time.Hour), "payment", "R", "s", 1)
	}
	q := fx.query()
	q.Limit = 1
	first, err := fx.store.List(t.Context(), q)
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %+v %v", first, err)
	}
	cases := []struct {
		name, param string
		mod         func(*dashboard.Query)
	}{
		{"from after to", "from", func(q *dashboard.Query) { q.From, q.To = q.To, q.From }},
		{"no from", "from", func(q *dashboard.Query) { q.From = time.Time{} }},
		{"range too long", "from", func(q *dashboard.Query) { q.From = q.To.AddDate(0, -2, 0) }},
		{"unknown kind", "kind", func(q *dashboard.Query) { q.Kind = "refund" }},
		{"oversized q", "q", func(q *dashboard.Query) { q.Q = strings.Repeat("あ", dashboard.MaxQueryLen+1) }},
		{"NUL in q", "q", func(q *dashboard.Query) { q.Q = "a\x00b" }},
		{"invalid UTF-8 in q", "q", func(q *dashboard.Query) { q.Q = "a\xffb" }},
		{"limit over", "limit", func(q *dashboard.Query) { q.Limit = dashboard.MaxLimit + 1 }},
		{"malformed cursor", "cursor", func(q *dashboard.Query) { q.Cursor = "not-a-cursor" }},
		{"cut cursor", "cursor", func(q *dashboard.Query) { q.Cursor = first.Next[:10] }},
		{"cursor of another filter", "cursor", func(q *dashboard.Query) { q.Cursor = first.Next; q.Kind = dashboard.Payment }},
		{"cursor of another search", "cursor", func(q *dashboard.Query) { q.Cursor = first.Next; q.Q = "R" }},
		{"cursor of another camera", "cursor", func(q *dashboard.Query) { q.Cursor = first.Next; q.CameraID = fx.other }},
		{"cursor of another tenant", "cursor", func(q *dashboard.Query) {
			q.Cursor = first.Next
			q.TenantID, q.CameraID = fx.otherTenant, fx.camera
		}},
	}
	for _, c := range cases {
		q := fx.query()
		q.Limit = 1
		c.mod(&q)
		_, err := fx.store.List(t.Context(), q)
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || e.Kind != apperr.Invalid || e.Fields[c.param] == "" {
			t.Errorf("%s: %v, want Invalid naming %q", c.name, err, c.param)
		}
	}
}

// Another tenant sees nothing of the camera, by list, by ID or by cursor.
func TestTenantIsolation(t *testing.T) {
	fx := newFixture(t)
	id := fx.txn(t, now.Add(-time.Hour), "payment", "R1", "s", 1)
	fx.txn(t, now.Add(-2*time.Hour), "payment", "R2", "s", 1)
	q := fx.query()
	q.TenantID = fx.otherTenant
	p, err := fx.store.List(t.Context(), q)
	if err != nil || len(p.Items) != 0 {
		t.Errorf("tenant B lists A's camera: %v %v", ids(p.Items), err)
	}
	if _, err := fx.store.Get(t.Context(), fx.otherTenant, id); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("tenant B gets A's transaction: %v", err)
	}
	marks, err := fx.store.Timeline(t.Context(), fx.otherTenant, fx.camera, from, now)
	if err != nil || len(marks) != 0 {
		t.Errorf("tenant B's timeline of A's camera: %v %v", marks, err)
	}
}

func TestRevisionsShowWhatChanged(t *testing.T) {
	fx := newFixture(t)
	id := fx.txn(t, now.Add(-time.Hour), "payment", "R1", "佐藤", 1200)
	dashtest.Revise(t, fx.pool, id, false, "modify", 1000)
	dashtest.Revise(t, fx.pool, id, true, "delete", 1000)
	got, err := fx.store.Get(t.Context(), fx.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != dashboard.Delete || got.Revision != 3 || len(got.Revisions) != 2 {
		t.Fatalf("%+v", got)
	}
	r1, r2 := got.Revisions[0], got.Revisions[1]
	if r1.Before.Total != 1200 || r1.After.Total != 1000 || !slices.Equal(r1.Changed, []string{"kind", "total"}) || r1.Vanished {
		t.Errorf("first revision %+v", r1)
	}
	if !r2.Vanished || !slices.Equal(r2.Changed, []string{"kind"}) || r2.After.Kind != dashboard.Delete {
		t.Errorf("second revision %+v", r2)
	}
	if _, off := got.SoldAt.Zone(); off != 9*3600 || got.SoldAt.Format(time.RFC3339) != "2026-11-23T11:00:00+09:00" {
		t.Errorf("sold at %v", got.SoldAt)
	}
	p, err := fx.store.List(t.Context(), fx.query())
	if err != nil || len(p.Items) != 1 || len(p.Items[0].Revisions) != 2 {
		t.Errorf("the list's revisions: %+v %v", p, err)
	}
}

// A busy range is a bounded number of marks, each counting its slot.
func TestTimelineIsBounded(t *testing.T) {
	fx := newFixture(t)
	_, err := fx.pool.Exec(t.Context(), `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key,
			camera_id, sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		SELECT $1, $2, 'x' || g, '1:1', $3, $4::timestamptz - g * interval '7 seconds', 32400,
			(ARRAY['payment','cancel','modify','delete'])[1 + g % 4], 100, 100, 0, now(), '{}'
		FROM generate_series(1, 30000) g`, fx.tenant, fx.conn, fx.camera, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []time.Duration{72 * time.Hour, 24 * time.Hour, 6 * time.Hour, time.Hour, 10 * time.Minute} {
		marks, err := fx.store.Timeline(t.Context(), fx.tenant, fx.camera, now.Add(-r), now)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, m := range marks {
			total += m.Count
			if m.At.Before(m.Start) || !m.At.Before(m.End) {
				t.Errorf("%v: mark at %v outside its slot %v–%v", r, m.At, m.Start, m.End)
			}
		}
		want := min(30000, int(r/(7*time.Second)))
		if len(marks) > 4*dashboard.MaxBuckets || total < want-1 || total > want+1 {
			t.Errorf("%v: %d marks counting %d, want at most %d marks counting %d", r, len(marks), total, 4*dashboard.MaxBuckets, want)
		}
	}
}

func TestCoverage(t *testing.T) {
	fx := newFixture(t)
	cam2 := dashtest.Camera(t, fx.pool, fx.tenant, "cam-a2")
	// Bound yesterday 10:00–11:00 only.
	dashtest.Bind(t, fx.pool, fx.tenant, fx.conn, "1:2", "レジ2", cam2, now.Add(-26*time.Hour), now.Add(-25*time.Hour))
	c, err := fx.store.Coverage(t.Context(), fx.tenant, cam2, now.Add(-time.Hour), now)
	if err != nil || c.BoundInRange || c.BoundNow {
		t.Errorf("unbound now: %+v %v", c, err)
	}
	if c, _ := fx.store.Coverage(t.Context(), fx.tenant, cam2, now.Add(-30*time.Hour), now); !c.BoundInRange {
		t.Errorf("bound in the range: %+v", c)
	}
	if c, _ := fx.store.Coverage(t.Context(), fx.tenant, fx.camera, now.Add(-time.Hour), now); !c.BoundNow || len(c.Attention) != 0 {
		t.Errorf("bound, link fine: %+v", c)
	}
	if _, err := fx.pool.Exec(t.Context(), `UPDATE pos_connections SET status = 'update_required' WHERE id = $1`, fx.conn); err != nil {
		t.Fatal(err)
	}
	c, err = fx.store.Coverage(t.Context(), fx.tenant, fx.camera, now.Add(-time.Hour), now)
	if err != nil || len(c.Attention) != 1 || c.Attention[0].State != poller.StateUpdateRequired || c.Attention[0].ConnectionID != fx.conn {
		t.Errorf("link needs attention: %+v %v", c, err)
	}
	if c, _ := fx.store.Coverage(t.Context(), fx.otherTenant, fx.camera, now.Add(-time.Hour), now); c.BoundNow || len(c.Attention) != 0 {
		t.Errorf("another tenant's coverage of A's camera: %+v", c)
	}
}

func TestExportIsBounded(t *testing.T) {
	fx := newFixture(t)
	for i := range 5 {
		fx.txn(t, now.Add(-time.Duration(i+1)*time.Minute), "payment", fmt.Sprint(i), "s", 1)
	}
	var got []int64
	n, truncated, err := fx.store.Export(context.Background(), fx.query(), func(b []dashboard.Transaction) error {
		got = append(got, ids(b)...)
		return nil
	})
	if err != nil || n != 5 || truncated || len(got) != 5 {
		t.Errorf("export: %d %v %v %v", n, truncated, err, got)
	}

	// One row past the bound: the export stops at MaxExport and says so.
	_, err = fx.pool.Exec(t.Context(), `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key,
			camera_id, sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		SELECT $1, $2, 'bulk-' || g, '1:1', $3, $4::timestamptz - g * interval '1 second', 32400, 'payment', 1, 1, 0, now(), '{}'
		FROM generate_series(1, $5::int) g`, fx.tenant, fx.conn, fx.camera, now.Add(-time.Hour), dashboard.MaxExport-4)
	if err != nil {
		t.Fatal(err)
	}
	batches := 0
	n, truncated, err = fx.store.Export(context.Background(), fx.query(), func([]dashboard.Transaction) error {
		batches++
		return nil
	})
	if err != nil || n != dashboard.MaxExport || !truncated {
		t.Errorf("export of %d rows: %d handed, truncated %v, %v", dashboard.MaxExport+1, n, truncated, err)
	}
	if batches == 0 {
		t.Error("nothing was handed")
	}
}
