package smaregilink_test

import (
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
)

// The hourly names check marks a bound register the Platform API no longer
// lists as gone, keeping its binding; a link on the old API, which lists
// no registers, is not marked.
func TestRefreshNamesMarksGoneRegisters(t *testing.T) {
	f := newFixture(t, cutover.Add(-time.Hour))
	legacy := f.importLegacy(t, f.b.ID, f.camB.ID) // register 1:2 of sktest01, on the old token
	c2, err := f.sim.CreateContract(smaregiSpec("sktest02"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := f.svc.Add(f.ctx, actor, f.a.ID, smaregilink.Input{ContractID: c2.ID, ClientID: c2.ClientID, ClientSecret: c2.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"1:1", "1:9"} {
		if err := f.links.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: key}, f.cam.ID, link.AnyBinding); err != nil {
			t.Fatal(err)
		}
	}
	f.svc.RefreshNames(f.ctx)
	gone := func(tenantID, connID int64) map[string]bool {
		bs, err := f.links.Bindings(f.ctx, tenantID, connID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, b := range bs {
			out[b.Terminal.Key] = !b.GoneAt.IsZero()
		}
		return out
	}
	if g := gone(f.a.ID, conn.ID); len(g) != 2 || g["1:1"] || !g["1:9"] {
		t.Fatalf("bindings gone: %v", g)
	}
	if g := gone(f.b.ID, legacy.ID); len(g) != 1 || g["1:2"] {
		t.Fatalf("legacy link's bindings: %v", g)
	}
}
