package link_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
)

// period is one row of a terminal's binding history.
type period struct {
	terminal string
	camera   int64
	from     time.Time
	to       *time.Time
}

// history is every binding row of a connection, oldest first.
func (f *fixture) history(t *testing.T, connID int64) []period {
	t.Helper()
	rows, err := f.store.Pool().Query(f.ctx, `SELECT terminal_key, camera_id, bound_at, unbound_at
		FROM terminal_bindings WHERE connection_id = $1 ORDER BY bound_at, id`, connID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []period
	for rows.Next() {
		var p period
		if err := rows.Scan(&p.terminal, &p.camera, &p.from, &p.to); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Bind, rebind, delete the link, link again: every period is still there,
// with its camera and times, and the re-link continues the same history.
func TestHistorySurvivesDelete(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "36872", creds{"a", "r"})
	t1, t2 := link.Terminal{Key: "GUID-1", Name: "レジ1"}, link.Terminal{Key: "GUID-2", Name: "レジ2"}
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA.ID, link.AnyBinding))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t2, f.camA.ID, link.AnyBinding))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA2.ID, link.AnyBinding))

	must(t, f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, f.bindingIDs(t, f.a.ID, conn.ID)))
	// Gone from every list and read; its credentials forgotten.
	if _, err := f.store.Connection(f.ctx, f.a.ID, conn.ID); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("the deleted link reads as %v", err)
	}
	if cs, _ := f.store.Connections(f.ctx, f.a.ID, link.Ubiregi); len(cs) != 0 {
		t.Errorf("the deleted link is listed: %+v", cs)
	}
	var got creds
	if _, err := f.store.Credentials(f.ctx, f.a.ID, conn.ID, &got); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("credentials of the deleted link: %v", err)
	}
	var sealed []byte
	var status string
	if err := f.store.Pool().QueryRow(f.ctx, `SELECT credentials, status FROM pos_connections WHERE id = $1`, conn.ID).
		Scan(&sealed, &status); err != nil {
		t.Fatal(err)
	}
	if sealed != nil || status != "unlinked" {
		t.Errorf("the deleted link's row: status %s, credentials kept %v", status, sealed != nil)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID); len(bs) != 0 {
		t.Errorf("current bindings of the deleted link: %+v", bs)
	}
	// Nothing can be bound to it, and nobody can delete it twice.
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA.ID, link.AnyBinding); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("binding on the deleted link: %v", err)
	}
	if err := f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, f.bindingIDs(t, f.a.ID, conn.ID)); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if err := f.store.SetStatus(f.ctx, actor, f.a.ID, conn.ID, link.Active, ""); err != nil {
		t.Errorf("a status on the deleted link: %v", err)
	}
	// The database refuses to delete a connection that has history.
	if _, err := f.store.Pool().Exec(f.ctx, `DELETE FROM pos_connections WHERE id = $1`, conn.ID); err == nil {
		t.Error("a connection with bindings was deleted")
	}

	again := f.link(t, f.a.ID, "36872", creds{"a2", "r2"})
	if again.ID != conn.ID || again.Renewed() || again.Status != link.Active {
		t.Fatalf("the re-link is %+v, want connection %d revived as a new link", again, conn.ID)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID); len(bs) != 0 {
		t.Errorf("the re-link revived bindings: %+v", bs)
	}
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA.ID, link.AnyBinding))

	h := f.history(t, conn.ID)
	want := []struct {
		terminal string
		camera   int64
		open     bool
	}{{"GUID-1", f.camA.ID, false}, {"GUID-2", f.camA.ID, false}, {"GUID-1", f.camA2.ID, false}, {"GUID-1", f.camA.ID, true}}
	if len(h) != len(want) {
		t.Fatalf("history %+v, want %d periods", h, len(want))
	}
	for i, w := range want {
		if h[i].terminal != w.terminal || h[i].camera != w.camera || (h[i].to == nil) != w.open {
			t.Errorf("period %d: %+v, want %+v", i, h[i], w)
		}
		if h[i].to != nil && h[i].to.Before(h[i].from) {
			t.Errorf("period %d ends before it starts: %+v", i, h[i])
		}
	}
	// The rebind ended the first period where the second began; the delete
	// ended the two then current at one moment, before the re-link's.
	if !h[0].to.Equal(h[2].from) {
		t.Errorf("rebind: first period ends %v, next starts %v", h[0].to, h[2].from)
	}
	if !h[1].to.Equal(*h[2].to) || !h[3].from.After(*h[2].to) {
		t.Errorf("delete and re-link times: %+v", h)
	}
}

// A POS account one tenant unlinked can be linked by another: the second
// tenant starts afresh, the first tenant's history stays the first
// tenant's, and whoever links the account later continues their own.
func TestAnotherTenantLinksAnUnlinkedAccount(t *testing.T) {
	f := newFixture(t)
	a := f.link(t, f.a.ID, "77", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, a.ID, link.Terminal{Key: "G"}, f.camA.ID, link.AnyBinding))
	must(t, f.store.Delete(f.ctx, actor, f.a.ID, a.ID, f.bindingIDs(t, f.a.ID, a.ID)))

	b := f.link(t, f.b.ID, "77", creds{"b", "r"})
	if b.ID == a.ID || b.Renewed() {
		t.Fatalf("tenant B's link %+v reuses A's row %d", b, a.ID)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.b.ID, b.ID); len(bs) != 0 {
		t.Errorf("tenant B sees bindings %+v", bs)
	}
	if _, err := f.store.Connection(f.ctx, f.b.ID, a.ID); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("tenant B reads A's row: %v", err)
	}
	// While B links it, A cannot.
	_, err := f.store.Save(f.ctx, actor, f.a.ID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "77",
		AuthKind: link.OAuth2, Credentials: creds{"x", "x"}})
	if !errors.Is(err, link.ErrOtherTenant) {
		t.Fatalf("A re-linking B's account: %v", err)
	}
	must(t, f.store.Delete(f.ctx, actor, f.b.ID, b.ID, f.bindingIDs(t, f.b.ID, b.ID)))
	again := f.link(t, f.a.ID, "77", creds{"a2", "r2"})
	if again.ID != a.ID {
		t.Fatalf("A's re-link made connection %d, want %d", again.ID, a.ID)
	}
	if h := f.history(t, a.ID); len(h) != 1 || h[0].camera != f.camA.ID || h[0].to == nil {
		t.Errorf("A's history %+v", h)
	}
}

// Two tenants linking one account at once, each several times: exactly one
// tenant holds it, in one linked row.
func TestConcurrentLinksOfOneAccount(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		tenant := f.a.ID
		if i%2 == 1 {
			tenant = f.b.ID
		}
		wg.Go(func() {
			_, errs[i] = f.store.Save(f.ctx, actor, tenant, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "5",
				AuthKind: link.OAuth2, Credentials: creds{"a", "r"}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, link.ErrOtherTenant) {
			t.Fatal(err)
		}
	}
	var linked, tenants int
	if err := f.store.Pool().QueryRow(f.ctx, `SELECT count(*), count(DISTINCT tenant_id) FROM pos_connections
		WHERE external_id = '5' AND status <> 'unlinked'`).Scan(&linked, &tenants); err != nil {
		t.Fatal(err)
	}
	if linked != 1 || tenants != 1 {
		t.Fatalf("%d linked rows of %d tenants, want 1 of 1 (errors %v)", linked, tenants, errs)
	}
}

// Rebinds of one terminal racing: each one succeeds in turn, and the
// periods follow each other without gap or overlap.
func TestConcurrentRebindsKeepPeriodsContiguous(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		cam := f.camA.ID
		if i%2 == 1 {
			cam = f.camA2.ID
		}
		wg.Go(func() {
			errs[i] = f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T"}, cam, link.AnyBinding)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	h := f.history(t, conn.ID)
	for i, p := range h {
		last := i == len(h)-1
		if (p.to == nil) != last {
			t.Fatalf("period %d of %d open %v: %+v", i, len(h), p.to == nil, h)
		}
		if !last && !p.to.Equal(h[i+1].from) {
			t.Fatalf("period %d ends %v, the next starts %v", i, p.to, h[i+1].from)
		}
	}
}

// An import saves everything or nothing: a failure at its last binding
// leaves no link, no binding and no audit entry.
func TestImportIsAtomic(t *testing.T) {
	f := newFixture(t)
	failOnTerminal(t, f, "T-3")
	in := link.ConnectionInput{Provider: link.Smaregi, ExternalID: "skold", AuthKind: link.LegacyToken,
		Credentials: map[string]string{"access_token": "tok"}}
	bindings := []link.ImportBinding{{Terminal: link.Terminal{Key: "T-1"}, CameraID: f.camA.ID},
		{Terminal: link.Terminal{Key: "T-2"}, CameraID: f.camA2.ID}, {Terminal: link.Terminal{Key: "T-3"}, CameraID: f.camA.ID}}
	before := f.rowCounts(t)
	if _, err := f.store.Import(f.ctx, actor, f.a.ID, in, bindings); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("import with a failing binding: %v", err)
	}
	if after := f.rowCounts(t); after != before {
		t.Fatalf("a failed import saved something: %s, then %s", before, after)
	}

	// Without the failure it saves all, 要更新 as asked, and again is harmless.
	in.Status, in.StatusDetail = link.UpdateRequired, "retired"
	c, err := f.store.Import(f.ctx, actor, f.a.ID, in, bindings[:2])
	if err != nil || c.Status != link.UpdateRequired || c.AuthKind != link.LegacyToken {
		t.Fatalf("import: %+v, %v", c, err)
	}
	again, err := f.store.Import(f.ctx, actor, f.a.ID, in, bindings[:1])
	if err != nil || again.ID != c.ID {
		t.Fatalf("import again: %+v, %v", again, err)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.a.ID, c.ID); len(bs) != 2 {
		t.Errorf("bindings after importing twice: %+v", bs)
	}
	// Over a link of another kind, and for another tenant, it is refused.
	in.AuthKind = link.ClientCredentials
	if _, err := f.store.Save(f.ctx, actor, f.a.ID, in); err != nil {
		t.Fatal(err)
	}
	in.AuthKind = link.LegacyToken
	if _, err := f.store.Import(f.ctx, actor, f.a.ID, in, nil); !errors.Is(err, link.ErrLinkedOtherwise) {
		t.Errorf("import over client credentials: %v", err)
	}
	if _, err := f.store.Import(f.ctx, actor, f.b.ID, in, nil); !errors.Is(err, link.ErrOtherTenant) {
		t.Errorf("import into another tenant: %v", err)
	}
	// A camera that is not usable is refused before anything is written.
	before = f.rowCounts(t)
	in.ExternalID = "skother"
	if _, err := f.store.Import(f.ctx, actor, f.a.ID, in, []link.ImportBinding{{Terminal: link.Terminal{Key: "T-1"}, CameraID: f.camA.ID},
		{Terminal: link.Terminal{Key: "T-2"}, CameraID: f.camWait.ID}}); !errors.Is(err, link.ErrCameraNotUsable) {
		t.Errorf("import with a waiting camera: %v", err)
	}
	if after := f.rowCounts(t); after != before {
		t.Fatalf("a refused import saved something: %s, then %s", before, after)
	}
}

// failOnTerminal makes the database fail the insert of a binding of key,
// as a failure midway through a transaction.
func failOnTerminal(t *testing.T, f *fixture, key string) {
	t.Helper()
	for _, q := range []string{
		`CREATE FUNCTION test_fail_binding() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure'; END; $$`,
		fmt.Sprintf(`CREATE TRIGGER test_fail_binding BEFORE INSERT ON terminal_bindings FOR EACH ROW
		WHEN (NEW.terminal_key = '%s') EXECUTE FUNCTION test_fail_binding()`, key),
	} {
		if _, err := f.store.Pool().Exec(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// rowCounts is the size of the tables linking writes.
func (f *fixture) rowCounts(t *testing.T) string {
	t.Helper()
	var conns, bindings, entries int
	if err := f.store.Pool().QueryRow(f.ctx, `SELECT (SELECT count(*) FROM pos_connections),
		(SELECT count(*) FROM terminal_bindings), (SELECT count(*) FROM audit_log)`).Scan(&conns, &bindings, &entries); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("connections=%d bindings=%d audit=%d", conns, bindings, entries)
}

// Names from the provider go to the current bindings only: an ended one
// keeps the names of its time.
func TestRenameTerminals(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T", Name: "old"}, f.camA.ID, link.AnyBinding))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T", Name: "old"}, f.camA2.ID, link.AnyBinding))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "U", Name: "same", Store: "s"}, f.camA.ID, link.AnyBinding))
	n, err := f.store.RenameTerminals(f.ctx, f.a.ID, conn.ID, []link.Terminal{{Key: "T", Name: "new", Store: "店"},
		{Key: "U", Name: "same", Store: "s"}, {Key: "unbound", Name: "x"}})
	if err != nil || n != 1 {
		t.Fatalf("renamed %d, %v; want 1", n, err)
	}
	if n, _ := f.store.RenameTerminals(f.ctx, f.b.ID, conn.ID, []link.Terminal{{Key: "T", Name: "evil"}}); n != 0 {
		t.Error("tenant B renamed A's terminal")
	}
	rows, err := f.store.Pool().Query(f.ctx, `SELECT terminal_name || '/' || store_name || '/' || (unbound_at IS NULL)::text
		FROM terminal_bindings WHERE terminal_key = 'T' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		got = append(got, s)
	}
	if strings.Join(got, " ") != "old//false new/店/true" {
		t.Errorf("names %v", got)
	}
}

// Each linked connection is claimed for a names check once per interval,
// the never-checked first, and claims made at once get different ones.
func TestNextForNames(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	for i := range 4 {
		ids = append(ids, f.link(t, f.a.ID, fmt.Sprint(100+i), creds{"a", "r"}).ID)
	}
	must(t, f.store.Delete(f.ctx, actor, f.a.ID, ids[3], f.bindingIDs(t, f.a.ID, ids[3]))) // unlinked: never claimed
	if _, err := f.store.Pool().Exec(f.ctx, `UPDATE pos_connections SET names_checked_at = now() - interval '2 hours'
		WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := f.store.NextForNames(f.ctx, link.Ubiregi, time.Hour); !ok || err != nil || c.ID != ids[1] {
		t.Fatalf("first claim: %d %v %v, want the first never checked, %d", c.ID, ok, err, ids[1])
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	claimed := map[int64]bool{}
	for range 2 {
		wg.Go(func() {
			c, ok, err := f.store.NextForNames(f.ctx, link.Ubiregi, time.Hour)
			if err != nil || !ok {
				t.Errorf("claim: %v %v", ok, err)
				return
			}
			mu.Lock()
			claimed[c.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(claimed) != 2 || !claimed[ids[0]] || !claimed[ids[2]] {
		t.Fatalf("concurrent claims got %v, want %d and %d", claimed, ids[0], ids[2])
	}
	if c, ok, err := f.store.NextForNames(f.ctx, link.Ubiregi, time.Hour); ok || err != nil {
		t.Errorf("claimed %d again within the interval (%v)", c.ID, err)
	}
	if _, ok, _ := f.store.NextForNames(f.ctx, link.Smaregi, time.Hour); ok {
		t.Error("claimed a connection of another provider")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
