package link_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var actor = audit.Actor{Label: "test"}

type fixture struct {
	store   *link.Store
	tenancy *tenancy.Store
	ctx     context.Context
	a, b    tenancy.Tenant
	camA    tenancy.Camera // usable
	camA2   tenancy.Camera // usable
	camWait tenancy.Camera // usable from the fourth day
	camOff  tenancy.Camera // no POS option
	camB    tenancy.Camera // tenant B's, usable
}

type creds struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	now := func() time.Time { return time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) }
	ts := tenancy.NewStore(pool, now, time.UTC)
	key, _ := secret.NewKey("k1")
	kr, _ := secret.NewKeyring(key)
	f := &fixture{store: link.NewStore(pool, kr, ts, now), tenancy: ts, ctx: context.Background()}
	f.a, _ = ts.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "A"})
	f.b, _ = ts.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "B"})
	cam := func(tenantID int64, dev string, from time.Time) tenancy.Camera {
		c, err := ts.CreateCamera(f.ctx, actor, tenantID, tenancy.CameraInput{DeviceID: dev, Name: dev})
		if err != nil {
			t.Fatal(err)
		}
		if !from.IsZero() {
			if err := ts.SetPOSOption(f.ctx, actor, tenantID, c.ID, true, from); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	today := ts.Today()
	f.camA, f.camA2 = cam(f.a.ID, "a1", today.AddDate(0, 0, -3)), cam(f.a.ID, "a2", today)
	f.camWait, f.camOff = cam(f.a.ID, "a3", today.AddDate(0, 0, 3)), cam(f.a.ID, "a4", time.Time{})
	f.camB = cam(f.b.ID, "b1", today)
	return f
}

func (f *fixture) link(t *testing.T, tenantID int64, ext string, c creds) link.Connection {
	t.Helper()
	conn, err := f.store.Save(f.ctx, actor, tenantID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: ext,
		Name: "shop", AuthKind: link.OAuth2, Credentials: c, AccessExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestSaveSealsAndRelinkUpdates(t *testing.T) {
	f := newFixture(t)
	first := f.link(t, f.a.ID, "36872", creds{"at-1", "rt-1"})
	var raw []byte
	if err := f.store.Pool().QueryRow(f.ctx, `SELECT credentials FROM pos_connections WHERE id = $1`, first.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("at-1")) || bytes.Contains(raw, []byte("rt-1")) {
		t.Fatal("the database holds a plaintext token")
	}
	// The same account linked again by the same tenant: same row, new grant.
	again := f.link(t, f.a.ID, "36872", creds{"at-2", "rt-2"})
	if again.ID != first.ID || again.CredentialsVersion != first.CredentialsVersion+1 {
		t.Fatalf("relink made %+v from %+v", again, first)
	}
	var got creds
	if _, err := f.store.Credentials(f.ctx, f.a.ID, first.ID, &got); err != nil || got.AccessToken != "at-2" {
		t.Fatalf("credentials after relink: %+v %v", got, err)
	}
	// Another tenant linking the same account is refused, and changes nothing.
	_, err := f.store.Save(f.ctx, actor, f.b.ID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "36872",
		AuthKind: link.OAuth2, Credentials: creds{"evil", "evil"}})
	if !errors.Is(err, link.ErrOtherTenant) {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := f.store.Credentials(f.ctx, f.a.ID, first.ID, &got); err != nil || got.AccessToken != "at-2" {
		t.Fatalf("credentials after the refused link: %+v %v", got, err)
	}
	// Tenant B cannot read tenant A's connection.
	if _, err := f.store.Connection(f.ctx, f.b.ID, first.ID); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("tenant B reads A's connection: %v", err)
	}
	if _, err := f.store.Credentials(f.ctx, f.b.ID, first.ID, &got); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("tenant B reads A's credentials: %v", err)
	}
}

func TestBindRules(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	t1, t2 := link.Terminal{Key: "GUID-1", Name: "レジ1"}, link.Terminal{Key: "GUID-2", Name: "レジ2"}
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t2, f.camA.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	// Rebinding moves the terminal; it never feeds two cameras.
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, t1, f.camA2.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	if len(bs) != 2 || bs[0].CameraID != f.camA2.ID || bs[1].CameraID != f.camA.ID {
		t.Fatalf("bindings: %+v", bs)
	}
	// The database itself refuses a second current binding of a terminal.
	_, err := f.store.Pool().Exec(f.ctx, `INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, camera_id)
		VALUES ($1, $2, 'GUID-1', $3)`, f.a.ID, conn.ID, f.camA.ID)
	if err == nil {
		t.Fatal("a terminal got two current cameras")
	}
	// ...and a binding to another tenant's camera.
	_, err = f.store.Pool().Exec(f.ctx, `INSERT INTO terminal_bindings (tenant_id, connection_id, terminal_key, camera_id)
		VALUES ($1, $2, 'GUID-9', $3)`, f.a.ID, conn.ID, f.camB.ID)
	if err == nil {
		t.Fatal("a terminal got bound to another tenant's camera")
	}

	for name, tc := range map[string]struct {
		camera int64
		kind   apperr.Kind
	}{
		"waiting camera":        {f.camWait.ID, apperr.Invalid},
		"camera without option": {f.camOff.ID, apperr.Invalid},
		"other tenant's camera": {f.camB.ID, apperr.Invalid},
		"no such camera":        {999999, apperr.Invalid},
	} {
		if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "GUID-3"}, tc.camera, link.AnyBinding); apperr.KindOf(err) != tc.kind {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Tenant B cannot bind on A's connection even with its own camera.
	if err := f.store.Bind(f.ctx, actor, f.b.ID, conn.ID, link.Terminal{Key: "GUID-3"}, f.camB.ID, link.AnyBinding); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("tenant B on A's connection: %v", err)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID); len(bs) != 2 {
		t.Fatalf("refused binds left rows: %+v", bs)
	}
	usable, _ := f.store.UsableCameras(f.ctx, f.a.ID)
	if len(usable) != 2 {
		t.Fatalf("usable cameras: %+v", usable)
	}

	bs, _ = f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	if n, err := f.store.Unbind(f.ctx, actor, f.a.ID, conn.ID, []int64{bs[0].ID}); err != nil || n != 1 {
		t.Fatalf("unbind: %d %v", n, err)
	}
	if n, _ := f.store.Unbind(f.ctx, actor, f.b.ID, conn.ID, []int64{bs[1].ID}); n != 0 {
		t.Fatal("tenant B unbound A's terminal")
	}
	var history int
	_ = f.store.Pool().QueryRow(f.ctx, `SELECT count(*) FROM terminal_bindings WHERE connection_id = $1`, conn.ID).Scan(&history)
	if history != 3 {
		t.Fatalf("%d binding rows, want 3 (history kept)", history)
	}
}

// Two refreshes racing: only the first one's rotated tokens are saved.
func TestUpdateCredentialsIsAtomic(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a0", "r0"})
	var c creds
	v, _ := f.store.Credentials(f.ctx, f.a.ID, conn.ID, &c)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = f.store.UpdateCredentials(f.ctx, f.a.ID, conn.ID, v, creds{"a" + string(rune('1'+i)), "r"}, time.Now().Add(time.Hour))
		})
	}
	wg.Wait()
	raced := 0
	for _, err := range errs {
		if errors.Is(err, link.ErrCredentialsRaced) {
			raced++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if raced != 1 {
		t.Fatalf("%d of 2 racing updates lost, want exactly 1 (%v)", raced, errs)
	}
}

func TestStatusAndDelete(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	_ = f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "G"}, f.camA.ID, link.AnyBinding)
	if err := f.store.SetStatus(f.ctx, actor, f.a.ID, conn.ID, link.ReauthRequired, "invalid_grant"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.store.Connection(f.ctx, f.a.ID, conn.ID)
	if got.Status != link.ReauthRequired {
		t.Fatalf("status %q", got.Status)
	}
	// Consenting again makes it active, keeping the bindings.
	f.link(t, f.a.ID, "1", creds{"a2", "r2"})
	got, _ = f.store.Connection(f.ctx, f.a.ID, conn.ID)
	bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	if got.Status != link.Active || len(bs) != 1 {
		t.Fatalf("after relink: %q, %d bindings", got.Status, len(bs))
	}
	if err := f.store.Delete(f.ctx, actor, f.b.ID, conn.ID, f.bindingIDs(t, f.b.ID, conn.ID)); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("tenant B deletes A's link: %v", err)
	}
	if err := f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, f.bindingIDs(t, f.a.ID, conn.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Connection(f.ctx, f.a.ID, conn.ID); !errors.Is(err, link.ErrNotFound) {
		t.Fatal("connection still there")
	}
	if cams, _ := f.tenancy.Cameras(f.ctx, f.a.ID); len(cams) != 4 {
		t.Fatal("deleting a link removed cameras")
	}
}
