package ubiregilink

import (
	"testing"

	"github.com/poslink/poslink/internal/link"
)

// The hourly names check stores the names Ubiregi reports on the bindings
// and marks a bound device the account no longer lists as gone, keeping
// its binding; a link whose names were checked within the hour waits.
func TestRefreshNames(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.account(t, "cafe", 2))
	devices, err := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range []link.Terminal{{Key: devices[0].Key, Name: "旧名"}, {Key: "0000-REMOVED-DEVICE", Name: "撤去したレジ"}} {
		if err := f.links.Bind(f.ctx, actor, f.tenant.ID, conn.ID, term, f.camera.ID, link.AnyBinding); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.svc.RefreshNames(f.ctx); n != 2 {
		t.Fatalf("changed %d bindings, want a rename and a removal", n)
	}
	bs, err := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID)
	if err != nil || len(bs) != 2 {
		t.Fatalf("bindings %+v, %v", bs, err)
	}
	for _, b := range bs {
		switch b.Terminal.Key {
		case devices[0].Key:
			if b.Terminal.Name != devices[0].Name || !b.GoneAt.IsZero() {
				t.Errorf("listed device: %+v", b)
			}
		default:
			if b.Terminal.Name != "撤去したレジ" || b.GoneAt.IsZero() {
				t.Errorf("removed device: %+v", b)
			}
		}
	}
	if n := f.svc.RefreshNames(f.ctx); n != 0 {
		t.Fatalf("checked again within the hour: %d", n)
	}
}
