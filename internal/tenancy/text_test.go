package tenancy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/tenancy"
)

// wantFieldKey fails unless err is a validation error whose only field is
// field, with the message key.
func wantFieldKey(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[field] != key {
		t.Errorf("%s: %v, want %s on %s", what, err, key, field)
	}
}

// wantLookupKey is wantFieldKey for a check of one value, whose message is
// also the error's, for a page that has no field to show it at.
func wantLookupKey(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	wantFieldKey(t, what, err, field, key)
	if e, ok := apperr.As(err); ok && e.Key != key {
		t.Errorf("%s: message %s, want %s", what, e.Key, key)
	}
}

// Invisible direction controls (U+202E shows what follows backwards) are
// refused in every name a person types, with their own message, and
// nothing is saved.
func TestNamesRefuseDirectionControls(t *testing.T) {
	s, ctx := newStore(t)
	tn, err := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "店"})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "レジ前"})
	if err != nil {
		t.Fatal(err)
	}
	before := rowCounts(t, s)
	for _, bidi := range []string{"\u202E", "\u202D", "\u2066", "\u2069", "\u200F", "\u061C"} {
		name := "カメラ" + bidi + "gpj.exe"
		_, err := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: name})
		wantFieldKey(t, "tenant name", err, "name", "err.text_bidi")
		err = s.RenameTenant(ctx, actor, tn.ID, tenancy.TenantInput{Name: name})
		wantFieldKey(t, "tenant rename", err, "name", "err.text_bidi")
		_, err = s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "dev-2", Name: name})
		wantFieldKey(t, "camera name", err, "name", "err.text_bidi")
		err = s.UpdateCamera(ctx, actor, tn.ID, cam.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "レジ前", Model: name})
		wantFieldKey(t, "camera model", err, "model", "err.text_bidi")
		_, err = s.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: "o@example.com", DisplayName: name, Password: "long-enough"})
		wantFieldKey(t, "display name", err, "display_name", "err.text_bidi")
		_, err = s.CreateStaff(ctx, actor, tenancy.UserInput{Email: "o" + bidi + "@example.com", Password: "long-enough"})
		wantFieldKey(t, "e-mail", err, "email", "err.text_bidi")
	}
	if after := rowCounts(t, s); after != before {
		t.Errorf("rows changed: %s, then %s", before, after)
	}
}

// Every text a lookup or search receives is checked before any query: the
// operator commands call these directly, and bytes PostgreSQL refuses
// (NUL, invalid UTF-8) must come back as a clear error, never as the
// database's encoding error.
func TestLookupsCheckTextBeforeQuerying(t *testing.T) {
	s, ctx := newStore(t)
	for _, c := range []struct {
		in  string
		key string
	}{
		{"a\x00b", "err.text_invalid"},
		{"a\xffb", "err.text_invalid"},
		{"a\u202Eb", "err.text_bidi"},
		{"a\tb", "err.text_invalid"},
		{strings.Repeat("x", tenancy.MaxQueryLen+1), "err.text_too_long"},
	} {
		_, err := s.ListTenants(ctx, c.in, 10)
		wantLookupKey(t, fmt.Sprintf("search %q", c.in), err, tenancy.FieldQuery, c.key)
	}
	for _, c := range []struct {
		in  string
		key string
	}{
		{"a\x00@example.com", "err.text_invalid"},
		{"a\xff@example.com", "err.text_invalid"},
		{"a\u202E@example.com", "err.text_bidi"},
		{strings.Repeat("x", 250) + "@example.com", "err.email_too_long"},
	} {
		_, err := s.UserByEmail(ctx, c.in)
		wantLookupKey(t, fmt.Sprintf("user %q", c.in), err, "email", c.key)
	}
	for _, in := range []string{"dev\x00", "dev\xff", "dev\u202E", strings.Repeat("d", 65), ""} {
		_, err := s.CameraByDeviceID(ctx, in)
		wantLookupKey(t, fmt.Sprintf("camera %q", in), err, "device_id", map[bool]string{true: "err.required", false: "err.device_id_invalid"}[in == ""])
	}
	// Plain text that matches nothing is not an error.
	if ts, err := s.ListTenants(ctx, "  カフェ ", 10); err != nil || len(ts) != 0 {
		t.Errorf("search: %v %v", ts, err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.com"); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("unknown user: %v", err)
	}
}

// The audit log records what changed, not what the form said: a save that
// changes nothing records nothing, and an edit records the fields it
// changed, before and after.
func TestAuditRecordsChangesOnly(t *testing.T) {
	s, ctx := newStore(t)
	tn, err := s.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "店"})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := s.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "レジ前", Model: "CC-2L_SF"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: "o@example.com", Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, today))
	start := len(entries(t, s))

	// Saved as they are: nothing recorded.
	must(t, s.RenameTenant(ctx, actor, tn.ID, tenancy.TenantInput{Name: " 店 "}))
	must(t, s.UpdateCamera(ctx, actor, tn.ID, cam.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "レジ前", Model: "CC-2L_SF"}))
	must(t, s.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, today))
	must(t, s.SetUserDisabled(ctx, actor, u.ID, false))
	if n := len(entries(t, s)); n != start {
		t.Fatalf("saves that changed nothing wrote %d audit entries", n-start)
	}

	must(t, s.UpdateCamera(ctx, actor, tn.ID, cam.ID, tenancy.CameraInput{DeviceID: "dev-1", Name: "入口", Model: "CC-2L_SF"}))
	must(t, s.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, today.AddDate(0, 0, 2)))
	must(t, s.SetUserDisabled(ctx, actor, u.ID, true))
	got := entries(t, s)
	if len(got) != start+3 {
		t.Fatalf("%d new entries, want 3", len(got)-start)
	}
	disable, pos, update := got[0], got[1], got[2]
	if update.Action != "camera.update" || fmt.Sprint(update.Details) != "map[from:map[name:レジ前] to:map[name:入口]]" {
		t.Errorf("camera.update details %v", update.Details)
	}
	if pos.Action != "camera.pos_option" || fmt.Sprint(pos.Details) !=
		"map[enabled:true previous:map[enabled:true usable_from:2026-11-23] usable_from:2026-11-25]" {
		t.Errorf("camera.pos_option details %v", pos.Details)
	}
	if disable.Action != "user.disable" || disable.Target != fmt.Sprintf("user:%d", u.ID) {
		t.Errorf("user.disable entry %+v", disable)
	}
}

func entries(t *testing.T, s *tenancy.Store) []audit.Entry {
	t.Helper()
	es, err := audit.List(t.Context(), s.Pool(), audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func rowCounts(t *testing.T, s *tenancy.Store) string {
	t.Helper()
	var out string
	err := s.Pool().QueryRow(t.Context(), `SELECT format('tenants=%s users=%s cameras=%s audit=%s',
		(SELECT count(*) FROM tenants), (SELECT count(*) FROM users), (SELECT count(*) FROM cameras),
		(SELECT count(*) FROM audit_log))`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
