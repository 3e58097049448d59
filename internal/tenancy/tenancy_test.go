package tenancy_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	actor = audit.Actor{UserID: 0, Label: "test"}
	today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
)

func newStore(t *testing.T) (*tenancy.Store, context.Context) {
	pool := dbtest.New(t)
	// 23:30 on the 22nd in UTC is already the 23rd in Tokyo.
	now := func() time.Time { return time.Date(2026, 11, 22, 15, 30, 0, 0, time.UTC) }
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return tenancy.NewStore(pool, now, loc), context.Background()
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want errors on %v", fields)
	}
	if got := apperr.FieldNames(err); !slices.Equal(got, fields) {
		t.Fatalf("error fields %v, want %v (err %v)", got, fields, err)
	}
}

func TestTodayIsTheOperatorsDay(t *testing.T) {
	s, _ := newStore(t)
	if got := s.Today(); !got.Equal(today) {
		t.Fatalf("Today() = %v, want %v", got, today)
	}
}

func TestPOSState(t *testing.T) {
	c := tenancy.Camera{}
	if c.POSStateOn(today) != tenancy.POSOff {
		t.Fatal("option off: want POSOff")
	}
	c.POSEnabled = true
	c.POSUsableFrom = today.AddDate(0, 0, 3)
	if c.POSStateOn(today) != tenancy.POSWaiting || c.POSStateOn(today.AddDate(0, 0, 2).Add(23*time.Hour)) != tenancy.POSWaiting {
		t.Fatal("before the usable-from day: want POSWaiting")
	}
	if c.POSStateOn(today.AddDate(0, 0, 3)) != tenancy.POSUsable {
		t.Fatal("on the usable-from day: want POSUsable")
	}
}

func TestTenantOwnerCameraLifecycle(t *testing.T) {
	s, ctx := newStore(t)
	tn, err := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "  デモ店舗 "})
	if err != nil || tn.Name != "デモ店舗" {
		t.Fatalf("create tenant: %+v %v", tn, err)
	}
	u, err := s.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: " Owner@Example.COM ", Password: "long-enough"})
	if err != nil || u.Email != "owner@example.com" || u.Role != tenancy.RoleOwner || u.TenantID != tn.ID {
		t.Fatalf("create owner: %+v %v", u, err)
	}
	if ok, err := password.Verify(u.PasswordHash(), "long-enough"); !ok || err != nil {
		t.Fatalf("stored hash does not verify: %v", err)
	}
	cam, err := s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "レジ前", Model: "CC-2L_SF"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, today.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Camera(ctx, tn.ID, cam.ID)
	if err != nil || !got.POSEnabled || !got.POSUsableFrom.Equal(today.AddDate(0, 0, 3)) {
		t.Fatalf("camera after enabling: %+v %v", got, err)
	}
	if got.POSStateOn(s.Today()) != tenancy.POSWaiting {
		t.Fatal("want waiting")
	}
	if err := s.SetPOSOption(ctx, actor, tn.ID, cam.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Camera(ctx, tn.ID, cam.ID); got.POSEnabled || !got.POSUsableFrom.IsZero() {
		t.Fatalf("camera after disabling: %+v", got)
	}
	if err := s.UpdateCamera(ctx, actor, tn.ID, cam.ID, tenancy.CameraInput{DeviceID: "dev-2", Name: "入口", Model: ""}); err != nil {
		t.Fatal(err)
	}
	tenants, err := s.ListTenants(ctx, "dev-2", 10)
	if err != nil || len(tenants) != 1 || tenants[0].CameraCount != 1 || tenants[0].OwnerCount != 1 {
		t.Fatalf("search by device ID: %+v %v", tenants, err)
	}
	if ts, _ := s.ListTenants(ctx, "OWNER@", 10); len(ts) != 1 {
		t.Fatalf("search by owner e-mail: %+v", ts)
	}
	if ts, _ := s.ListTenants(ctx, "%", 10); len(ts) != 0 {
		t.Fatalf("a %% in the search is literal, got %+v", ts)
	}

	entries, err := audit.List(ctx, s.Pool(), audit.Filter{TenantID: tn.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.Actor.Label != "test" {
			t.Errorf("entry %s actor %q", e.Action, e.Actor.Label)
		}
		for k, v := range e.Details {
			if s, ok := v.(string); ok && strings.Contains(s, "long-enough") {
				t.Errorf("entry %s detail %s holds the password", e.Action, k)
			}
		}
	}
	want := []string{"camera.update", "camera.pos_option", "camera.pos_option", "camera.create", "user.create", "tenant.create"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
}

func TestCamerasAreTenantScoped(t *testing.T) {
	s, ctx := newStore(t)
	a, _ := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "A"})
	b, _ := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "B"})
	camB, err := s.CreateCamera(ctx, actor, b.ID, tenancy.CameraInput{DeviceID: "b-1", Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Camera(ctx, a.ID, camB.ID); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("tenant A reading B's camera: %v, want not found", err)
	}
	if err := s.UpdateCamera(ctx, actor, a.ID, camB.ID, tenancy.CameraInput{DeviceID: "x", Name: "x"}); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("tenant A editing B's camera: %v, want not found", err)
	}
	if err := s.SetPOSOption(ctx, actor, a.ID, camB.ID, true, today); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("tenant A switching B's POS option: %v, want not found", err)
	}
	if cams, _ := s.Cameras(ctx, a.ID); len(cams) != 0 {
		t.Fatalf("tenant A lists %v", cams)
	}
	if got, _ := s.Camera(ctx, b.ID, camB.ID); got.Name != "B" || got.POSEnabled {
		t.Fatalf("B's camera changed: %+v", got)
	}
}

func TestBadInputSavesNothing(t *testing.T) {
	s, ctx := newStore(t)
	tn, _ := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "店"})
	if _, err := s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "taken", Name: "既存"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: "taken@example.com", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("あ", 101)

	_, err := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "  "})
	wantFields(t, err, "name")
	_, err = s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: long})
	wantFields(t, err, "name")
	_, err = s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "bad\x00name"})
	wantFields(t, err, "name")

	for _, tc := range []struct {
		in     tenancy.UserInput
		fields []string
	}{
		{tenancy.UserInput{}, []string{"email", "password"}},
		{tenancy.UserInput{Email: "not-an-email", Password: "password1"}, []string{"email"}},
		{tenancy.UserInput{Email: "a@localhost", Password: "password1"}, []string{"email"}},
		{tenancy.UserInput{Email: "Name <a@b.example>", Password: "password1"}, []string{"email"}},
		{tenancy.UserInput{Email: strings.Repeat("a", 250) + "@b.example", Password: "password1"}, []string{"email"}},
		{tenancy.UserInput{Email: "ok@b.example", Password: "short"}, []string{"password"}},
		{tenancy.UserInput{Email: "ok@b.example", Password: strings.Repeat("p", 257)}, []string{"password"}},
		{tenancy.UserInput{Email: "ok@b.example", DisplayName: long, Password: "password1"}, []string{"display_name"}},
		{tenancy.UserInput{Email: "TAKEN@example.com", Password: "password1"}, []string{"email"}},
	} {
		_, err := s.CreateOwner(ctx, actor, tn.ID, tc.in)
		wantFields(t, err, tc.fields...)
	}
	if _, err := s.CreateOwner(ctx, actor, 999999, tenancy.UserInput{Email: "new@b.example", Password: "password1"}); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("owner of unknown tenant: %v", err)
	}

	for _, tc := range []struct {
		in     tenancy.CameraInput
		fields []string
	}{
		{tenancy.CameraInput{}, []string{"device_id", "name"}},
		{tenancy.CameraInput{DeviceID: "has space", Name: "x"}, []string{"device_id"}},
		{tenancy.CameraInput{DeviceID: "-leading", Name: "x"}, []string{"device_id"}},
		{tenancy.CameraInput{DeviceID: "<script>", Name: "x"}, []string{"device_id"}},
		{tenancy.CameraInput{DeviceID: strings.Repeat("a", 65), Name: "x"}, []string{"device_id"}},
		{tenancy.CameraInput{DeviceID: "ok", Name: long}, []string{"name"}},
		{tenancy.CameraInput{DeviceID: "ok", Name: "x", Model: long}, []string{"model"}},
		{tenancy.CameraInput{DeviceID: "taken", Name: "重複"}, []string{"device_id"}},
	} {
		_, err := s.CreateCamera(ctx, actor, tn.ID, tc.in)
		wantFields(t, err, tc.fields...)
	}
	cam, _ := s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "second", Name: "二台目"})
	wantFields(t, s.UpdateCamera(ctx, actor, tn.ID, cam.ID, tenancy.CameraInput{DeviceID: "taken", Name: "x"}), "device_id")
	wantFields(t, s.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, time.Time{}), "pos_usable_from")

	// Nothing of the above was saved: one tenant, one owner, two cameras unchanged.
	ts, _ := s.ListTenants(ctx, "", 100)
	cams, _ := s.Cameras(ctx, tn.ID)
	owners, _ := s.Owners(ctx, tn.ID)
	if len(ts) != 1 || len(cams) != 2 || len(owners) != 1 || cams[1].DeviceID != "second" || cams[1].POSEnabled {
		t.Fatalf("bad input left data behind: tenants %d, cameras %+v, owners %d", len(ts), cams, len(owners))
	}
	entries, _ := audit.List(ctx, s.Pool(), audit.Filter{})
	if len(entries) != 4 {
		t.Fatalf("%d audit entries, want 4 (tenant, camera, owner, camera; none for the failures)", len(entries))
	}
}

func TestParseDate(t *testing.T) {
	for in, ok := range map[string]bool{
		"2026-11-26": true, "2026/11/26": true, "2026/1/5": true,
		"": false, "26-11-2026": false, "2026-13-01": false, "2026-02-30": false, "1999-01-01": false, "tomorrow": false,
	} {
		if _, got := tenancy.ParseDate(in); got != ok {
			t.Errorf("ParseDate(%q) ok=%v, want %v", in, got, ok)
		}
	}
}
