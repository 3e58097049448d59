package ubiregilink

import (
	"errors"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
)

// A typed terminal key that no terminal can have is refused with the
// message of its problem, before Ubiregi or the database is asked; a
// delete naming more bindings than link.MaxUnbind is refused whole.
func TestTerminalKeysAreChecked(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.account(t, "cafe", 2))
	ts, _ := f.svc.Terminals(f.ctx, f.tenant.ID, conn.ID)
	if _, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, ts[0].Key, f.camera.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"x\x00":                  "err.text_invalid",
		"x\xff":                  "err.text_invalid",
		ts[1].Key + "\u202E":     "err.text_bidi",
		strings.Repeat("k", 101): "err.text_too_long",
	} {
		_, err := f.svc.Bind(f.ctx, actor, f.tenant.ID, conn.ID, key, f.camera.ID, link.AnyBinding)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Key != want {
			t.Errorf("bind %q: %v, want %s", key, err, want)
		}
	}
	bound, _ := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID)
	ids := make([]int64, link.MaxUnbind+1)
	for i := range ids {
		ids[i] = bound[0].ID
	}
	if _, err := f.svc.Unbind(f.ctx, actor, f.tenant.ID, conn.ID, ids); !errors.Is(err, link.ErrTooManyTerminals) {
		t.Errorf("unbind of %d bindings: %v", len(ids), err)
	}
	if bs, _ := f.links.Bindings(f.ctx, f.tenant.ID, conn.ID); len(bs) != 1 {
		t.Fatalf("refused input changed the bindings: %+v", bs)
	}
	if n, err := f.svc.Unbind(f.ctx, actor, f.tenant.ID, conn.ID, ids[:link.MaxUnbind]); n != 1 || err != nil {
		t.Errorf("unbind of %d bindings, one bound: %d, %v", link.MaxUnbind, n, err)
	}
}
