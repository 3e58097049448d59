package smaregilink_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
)

// wantField fails unless err is a validation error with key on field.
func wantField(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Fields[field] != key {
		t.Errorf("%s: %v, want %s on %s", what, err, key, field)
	}
}

// A メモ with an invisible direction control is refused with its message
// before Smaregi is asked, when adding, editing and importing a link.
func TestMemoRefusesDirectionControls(t *testing.T) {
	f := newFixture(t, after)
	c := f.add(t)
	tokens := f.tokens.Load()
	before := f.tables(t)
	for _, memo := range []string{"本店\u202Eレジ", "\u2067本店", "本店\u200F"} {
		in := f.input()
		in.Memo = memo
		_, err := f.svc.Add(f.ctx, actor, f.a.ID, in)
		wantField(t, "add", err, smaregilink.FieldMemo, "err.text_bidi")
		_, err = f.svc.UpdateCredentials(f.ctx, actor, f.a.ID, c.ID, in)
		wantField(t, "update", err, smaregilink.FieldMemo, "err.text_bidi")
		_, err = f.svc.ImportLegacy(f.ctx, actor, f.b.ID, smaregilink.LegacyImport{ContractID: "skold", AccessToken: "tok", Memo: memo})
		wantField(t, "import", err, smaregilink.FieldMemo, "err.text_bidi")
	}
	if n := f.tokens.Load() - tokens; n != 0 {
		t.Errorf("refused memos reached Smaregi %d times", n)
	}
	if after := f.tables(t); after != before {
		t.Error("refused memos changed the database")
	}
}

// The names an import brings over are checked like any typed text: a
// control or direction character, or more than the schema holds, is
// refused on the binding, and nothing is saved.
func TestImportLegacyChecksNames(t *testing.T) {
	f := newFixture(t, cutover.Add(-48*time.Hour))
	before := f.tables(t)
	long := strings.Repeat("名", smaregilink.MaxNameLen+1)
	for name, c := range map[string]struct {
		b   smaregilink.LegacyBinding
		key string
	}{
		"terminal name with U+202E": {smaregilink.LegacyBinding{TerminalName: "レジ\u202E1"}, "err.text_bidi"},
		"store name with NUL":       {smaregilink.LegacyBinding{StoreName: "本\x00店"}, "err.text_invalid"},
		"store name of bad UTF-8":   {smaregilink.LegacyBinding{StoreName: "本\xff店"}, "err.text_invalid"},
		"terminal name too long":    {smaregilink.LegacyBinding{TerminalName: long}, "err.text_too_long"},
	} {
		b := c.b
		b.StoreID, b.TerminalID, b.CameraID = "1", "1", f.cam.ID
		_, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: "skold", AccessToken: "tok",
			Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "2", CameraID: f.cam.ID}, b}})
		wantField(t, name, err, "bindings[1]", c.key)
	}
	if after := f.tables(t); after != before {
		t.Error("refused imports changed the database")
	}
}

// A delete of more rows than link.MaxUnbind is refused with its message
// before anything else; the rows stay bound.
func TestUnbindIsBounded(t *testing.T) {
	f := newFixture(t, after)
	c := f.add(t)
	if _, err := f.svc.Bind(f.ctx, actor, f.a.ID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID}); err != nil {
		t.Fatal(err)
	}
	bound, _ := f.links.Bindings(f.ctx, f.a.ID, c.ID)
	ids := make([]int64, link.MaxUnbind+1)
	for i := range ids {
		ids[i] = bound[0].ID
	}
	before := f.tables(t)
	if _, err := f.svc.Unbind(f.ctx, actor, f.a.ID, c.ID, ids); !errors.Is(err, link.ErrTooManyTerminals) {
		t.Errorf("unbind of %d bindings: %v", len(ids), err)
	}
	if after := f.tables(t); after != before {
		t.Error("a refused unbind changed the database")
	}
	if n, err := f.svc.Unbind(f.ctx, actor, f.a.ID, c.ID, ids[:link.MaxUnbind]); n != 1 || err != nil {
		t.Errorf("unbind of %d bindings: %d, %v", link.MaxUnbind, n, err)
	}
}
