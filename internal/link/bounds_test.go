package link_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
)

// lastEntry is the newest audit entry with its stored size.
func (f *fixture) lastEntry(t *testing.T) (audit.Entry, int) {
	t.Helper()
	es, err := audit.List(f.ctx, f.store.Pool(), audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit log: %v %v", es, err)
	}
	var size int
	if err := f.store.Pool().QueryRow(f.ctx, `SELECT octet_length(details::text) FROM audit_log WHERE id = $1`,
		es[0].ID).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return es[0], size
}

// An unbind records the bindings it ended, with the camera each fed: one
// binding of two ends, and the entry lists that one. (The audit log used
// to keep every key a request named: 1,001 of them made a 55 KB row that
// can never be deleted.)
func TestUnbindRecordsWhatEnded(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T", Name: "レジ1"}, f.camA.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "U", Name: "レジ2"}, f.camA2.ID, link.NotBound))
	bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	n, err := f.store.Unbind(f.ctx, actor, f.a.ID, conn.ID, []int64{bs[0].ID, bs[0].ID})
	if err != nil || n != 1 {
		t.Fatalf("unbind: %d %v, want 1", n, err)
	}
	e, size := f.lastEntry(t)
	want := fmt.Sprintf("map[bindings_ended:1 ended:[map[camera_id:%d terminal:T terminal_name:レジ1]]]", f.camA.ID)
	if e.Action != "link.unbind" || fmt.Sprint(e.Details) != want {
		t.Errorf("audit entry %s %v, want %s", e.Action, e.Details, want)
	}
	if size > 200 {
		t.Errorf("the entry of one ended binding takes %d bytes", size)
	}
	if bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID); len(bs) != 1 || bs[0].Terminal.Key != "U" {
		t.Errorf("bindings after the unbind: %+v", bs)
	}
}

// More bindings than any page ticks are refused with a message before any
// query; a binding that is not the connection's is not found, and one that
// ended since the page showed it has changed. Each ends nothing, not even
// the bindings named with it.
func TestUnbindRefusesWhatItCannotEnd(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	other := f.link(t, f.b.ID, "2", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T"}, f.camA.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "U"}, f.camA.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.b.ID, other.ID, link.Terminal{Key: "T"}, f.camB.ID, link.NotBound))
	bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	theirs, _ := f.store.Bindings(f.ctx, f.b.ID, other.ID)
	t1, u1 := bs[0].ID, bs[1].ID
	// U is rebound: its first binding has ended.
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "U"}, f.camA2.ID, u1))
	tooMany := make([]int64, link.MaxUnbind+1)
	for i := range tooMany {
		tooMany[i] = t1
	}
	before := f.rowCounts(t)
	for name, c := range map[string]struct {
		conn, tenant int64
		ids          []int64
		want         error
	}{
		"too many":                    {conn.ID, f.a.ID, tooMany, link.ErrTooManyTerminals},
		"another tenant's binding":    {conn.ID, f.a.ID, []int64{t1, theirs[0].ID}, link.ErrNotFound},
		"no such binding":             {conn.ID, f.a.ID, []int64{t1, 999999}, link.ErrNotFound},
		"ended since":                 {conn.ID, f.a.ID, []int64{t1, u1}, link.ErrChanged},
		"on another tenant's link":    {other.ID, f.a.ID, []int64{theirs[0].ID}, link.ErrNotFound},
		"another tenant on this link": {conn.ID, f.b.ID, []int64{t1}, link.ErrNotFound},
	} {
		if n, err := f.store.Unbind(f.ctx, actor, c.tenant, c.conn, c.ids); !errors.Is(err, c.want) || n != 0 {
			t.Errorf("%s: %d, %v; want %v", name, n, err, c.want)
		}
	}
	if after := f.rowCounts(t); after != before {
		t.Errorf("refused unbinds changed rows: %s, then %s", before, after)
	}
	if msg := fmt.Sprint(link.ErrTooManyTerminals.Args...); msg != fmt.Sprint(link.MaxUnbind) {
		t.Errorf("the message does not say the bound: %v", link.ErrTooManyTerminals.Args)
	}
}

// A delete of a link records how many bindings it ended and lists at most
// audit.MaxListed of them, however many there were.
func TestDeleteRecordsBoundedList(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	const n = audit.MaxListed + 5
	for i := range n {
		must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID,
			link.Terminal{Key: fmt.Sprintf("T%02d", i), Name: strings.Repeat("名", 200)}, f.camA.ID, link.AnyBinding))
	}
	must(t, f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, f.bindingIDs(t, f.a.ID, conn.ID)))
	e, size := f.lastEntry(t)
	ended, _ := e.Details["ended"].([]any)
	if e.Action != "link.delete" || e.Details["bindings_ended"] != float64(n) || len(ended) != audit.MaxListed ||
		e.Details["not_listed"] != float64(5) || e.Details["external_id"] != "1" {
		t.Errorf("link.delete details: %d listed, %v ended, %v not listed", len(ended), e.Details["bindings_ended"], e.Details["not_listed"])
	}
	if size > audit.MaxDetailsBytes || e.Details["clipped"] != nil {
		t.Errorf("details of %d bytes (clipped %v)", size, e.Details["clipped"])
	}
}

// Names that come from a provider are stored without control characters
// or invisible direction controls, which would make them read backwards
// on the pages; the audit entry of a bind records the name as stored.
func TestProviderNamesAreCleaned(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID,
		link.Terminal{Key: "T", Name: "レジ\u202E1\x00号\n機", Store: "\u2066本店\u2069\xff"}, f.camA.ID, link.AnyBinding))
	bs, err := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	if err != nil || len(bs) != 1 || bs[0].Terminal.Name != "レジ1 号 機" || bs[0].Terminal.Store != "本店\uFFFD" {
		t.Fatalf("bindings %+v %v", bs, err)
	}
	if e, _ := f.lastEntry(t); e.Details["terminal_name"] != "レジ1 号 機" {
		t.Errorf("link.bind records the name %q", e.Details["terminal_name"])
	}
	saved, err := f.store.Save(f.ctx, actor, f.a.ID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "2",
		Name: "\u202Eエフカ", AuthKind: link.OAuth2, Credentials: creds{"a", "r"}})
	if err != nil || saved.Name != "エフカ" {
		t.Errorf("account name %q, %v", saved.Name, err)
	}
}
