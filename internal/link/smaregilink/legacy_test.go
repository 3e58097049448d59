package smaregilink_test

import (
	"errors"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/internal/tenancy"
)

func (f *fixture) importLegacy(t *testing.T, tenantID, cameraID int64) link.Connection {
	t.Helper()
	c, err := f.svc.ImportLegacy(f.ctx, actor, tenantID, smaregilink.LegacyImport{ContractID: f.contract.ID,
		AccessToken: f.contract.LegacyAccessToken,
		Bindings:    []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "2", CameraID: cameraID}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPhaseAndPollable(t *testing.T) {
	f := newFixture(t, cutover.Add(-time.Second))
	cases := []struct {
		kind   link.AuthKind
		status link.Status
		now    time.Time
		phase  smaregilink.Phase
		poll   bool
	}{
		{link.ClientCredentials, link.Active, cutover.Add(-time.Second), smaregilink.PhaseActive, true},
		{link.ClientCredentials, link.Active, cutover, smaregilink.PhaseActive, true},
		{link.ClientCredentials, link.UpdateRequired, cutover, smaregilink.PhaseUpdateRequired, false},
		{link.LegacyToken, link.Active, cutover.Add(-time.Second), smaregilink.PhaseLegacy, true},
		{link.LegacyToken, link.Active, cutover, smaregilink.PhaseUpdateRequired, false},
		{link.LegacyToken, link.UpdateRequired, cutover.Add(time.Hour), smaregilink.PhaseUpdateRequired, false},
	}
	for _, tc := range cases {
		f.clock.Set(tc.now)
		c := link.Connection{Provider: link.Smaregi, AuthKind: tc.kind, Status: tc.status}
		if p := f.svc.PhaseOf(c); p != tc.phase || f.svc.Pollable(c) != tc.poll {
			t.Errorf("%s %s at %v: phase %s pollable %v, want %s %v", tc.kind, tc.status, tc.now, p, f.svc.Pollable(c), tc.phase, tc.poll)
		}
	}
	if f.svc.Pollable(link.Connection{Provider: link.Ubiregi, Status: link.Active}) {
		t.Error("a Ubiregi connection is Smaregi-pollable")
	}
}

// An import carries the old link and its bindings over; it checks every
// camera first, is idempotent, and never replaces client credentials.
func TestImportLegacy(t *testing.T) {
	f := newFixture(t, cutover.Add(-48*time.Hour))
	off, err := f.tenancy.CreateCamera(f.ctx, actor, f.a.ID, tenancy.CameraInput{DeviceID: "off", Name: "off"})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		cam int64
		key string
	}{
		"camera without the POS option": {off.ID, "err.camera_pos_off"},
		"another tenant's camera":       {f.camB.ID, "err.camera_not_found"},
	} {
		_, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: f.contract.ID, AccessToken: "tok",
			Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID}, {StoreID: "1", TerminalID: "2", CameraID: tc.cam}}})
		wantKey(t, err, tc.key)
		if cs, _ := f.links.Connections(f.ctx, f.a.ID, link.Smaregi); len(cs) != 0 {
			t.Fatalf("%s: saved %v", name, cs)
		}
	}
	_, err = f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: "bad id", AccessToken: ""})
	if got := apperr.FieldNames(err); len(got) != 2 {
		t.Errorf("bad import fields %v", got)
	}

	c := f.importLegacy(t, f.a.ID, f.cam.ID)
	again := f.importLegacy(t, f.a.ID, f.cam.ID)
	if again.ID != c.ID || c.AuthKind != link.LegacyToken || c.Status != link.Active {
		t.Fatalf("imports %+v then %+v", c, again)
	}
	ts, err := f.svc.Terminals(f.ctx, f.a.ID, c.ID)
	if err != nil || ts.Source != smaregilink.SourceLegacy || len(ts.Rows) != 1 || ts.Rows[0].StoreName != "渋谷店" || len(ts.Stores) != 2 {
		t.Fatalf("legacy terminals %+v, %v", ts, err)
	}
	if _, err := f.svc.ImportLegacy(f.ctx, actor, f.b.ID, smaregilink.LegacyImport{ContractID: f.contract.ID, AccessToken: "x"}); !errors.Is(err, link.ErrOtherTenant) {
		t.Errorf("import into another tenant: %v", err)
	}

	moved, err := f.svc.MigrateLegacy(f.ctx, actor, f.a.ID, c.ID, smaregilink.Input{ClientID: f.contract.ClientID, ClientSecret: f.contract.ClientSecret})
	if err != nil || moved.ID != c.ID || moved.AuthKind != link.ClientCredentials {
		t.Fatalf("migrate: %+v, %v", moved, err)
	}
	if bs, _ := f.links.Bindings(f.ctx, f.a.ID, c.ID); len(bs) != 1 || bs[0].Terminal.Key != "1:2" {
		t.Errorf("bindings after the move %+v", bs)
	}
	if _, err := f.svc.MigrateLegacy(f.ctx, actor, f.a.ID, c.ID, f.input()); !errors.Is(err, smaregilink.ErrAlreadyMigrated) {
		t.Errorf("migrating twice: %v", err)
	}
	if _, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: f.contract.ID, AccessToken: "x"}); !errors.Is(err, smaregilink.ErrAlreadyMigrated) {
		t.Errorf("import over client credentials: %v", err)
	}
}

// At the cut-over the sweep marks every old link 要更新, across tenants,
// once; before it, it marks none.
func TestMarkRetiredLegacyLinks(t *testing.T) {
	f := newFixture(t, cutover.Add(-time.Hour))
	a := f.importLegacy(t, f.a.ID, f.cam.ID)
	if _, err := f.sim.CreateContract(smaregiSpec("sktest02")); err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.ImportLegacy(f.ctx, actor, f.b.ID, smaregilink.LegacyImport{ContractID: "sktest02", AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	// A link on client credentials is never marked.
	c3, err := f.sim.CreateContract(smaregiSpec("sktest03"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := f.svc.Add(f.ctx, actor, f.a.ID, smaregilink.Input{ContractID: c3.ID, ClientID: c3.ClientID, ClientSecret: c3.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.MarkRetiredLegacyLinks(f.ctx); n != 0 || err != nil {
		t.Fatalf("before the cut-over: %d, %v", n, err)
	}
	f.clock.Set(cutover)
	if n, err := f.svc.MarkRetiredLegacyLinks(f.ctx); n != 2 || err != nil {
		t.Fatalf("at the cut-over: %d, %v", n, err)
	}
	if n, _ := f.svc.MarkRetiredLegacyLinks(f.ctx); n != 0 {
		t.Errorf("marked %d again", n)
	}
	if got, _ := f.links.Connection(f.ctx, f.a.ID, fresh.ID); got.Status != link.Active {
		t.Errorf("a link on client credentials was marked: %+v", got)
	}
	for _, c := range []struct{ tenant, id int64 }{{f.a.ID, a.ID}, {f.b.ID, b.ID}} {
		got, _ := f.links.Connection(f.ctx, c.tenant, c.id)
		if got.Status != link.UpdateRequired || got.StatusDetail == "" {
			t.Errorf("link %d: %+v", c.id, got)
		}
	}
	_, err = f.svc.Bind(f.ctx, actor, f.a.ID, a.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID})
	if !errors.Is(err, smaregilink.ErrUpdateFirst) {
		t.Errorf("binding on a retired link: %v", err)
	}
}

func smaregiSpec(id string) smaregisim.ContractSpec { return smaregisim.ContractSpec{ID: id} }
