package link_test

import (
	"testing"

	"github.com/poslink/poslink/internal/link"
)

// A bound terminal the provider no longer lists is gone, its binding kept;
// listed again, it is back. Another tenant's bindings are untouched.
func TestMarkListed(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	other := f.link(t, f.b.ID, "2", creds{"b", "r"})
	for _, k := range []string{"GUID-1", "GUID-2"} {
		if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: k}, f.camA.ID, link.AnyBinding); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.Bind(f.ctx, actor, f.b.ID, other.ID, link.Terminal{Key: "GUID-1"}, f.camB.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	gone := func(tenantID, connID int64) map[string]bool {
		bs, err := f.store.Bindings(f.ctx, tenantID, connID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, b := range bs {
			out[b.Terminal.Key] = !b.GoneAt.IsZero()
		}
		return out
	}
	n, err := f.store.MarkListed(f.ctx, f.a.ID, conn.ID, []string{"GUID-2", "GUID-9"})
	if err != nil || n != 1 {
		t.Fatalf("marked %d, %v", n, err)
	}
	if g := gone(f.a.ID, conn.ID); len(g) != 2 || !g["GUID-1"] || g["GUID-2"] {
		t.Fatalf("after GUID-1 went: %v", g)
	}
	// Nothing changes when nothing changed.
	if n, err := f.store.MarkListed(f.ctx, f.a.ID, conn.ID, []string{"GUID-2"}); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	if n, err := f.store.MarkListed(f.ctx, f.a.ID, conn.ID, []string{"GUID-1", "GUID-2"}); err != nil || n != 1 {
		t.Fatalf("back: %d, %v", n, err)
	}
	if g := gone(f.a.ID, conn.ID); g["GUID-1"] || g["GUID-2"] {
		t.Fatalf("after GUID-1 came back: %v", g)
	}
	// An empty listing is every terminal gone; the other tenant's stay.
	if n, err := f.store.MarkListed(f.ctx, f.a.ID, conn.ID, nil); err != nil || n != 2 {
		t.Fatalf("none listed: %d, %v", n, err)
	}
	if g := gone(f.b.ID, other.ID); g["GUID-1"] {
		t.Fatal("another tenant's binding marked")
	}
	// A tenant cannot mark another's connection.
	if n, err := f.store.MarkListed(f.ctx, f.a.ID, other.ID, nil); err != nil || n != 0 {
		t.Fatalf("across tenants: %d, %v", n, err)
	}
}
