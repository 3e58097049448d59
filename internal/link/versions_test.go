package link_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
)

// bindingIDs are the IDs of a connection's current bindings, as a page
// that lists them carries them.
func (f *fixture) bindingIDs(t *testing.T, tenantID, connID int64) []int64 {
	t.Helper()
	bs, err := f.store.Bindings(f.ctx, tenantID, connID)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}

// The two-tab case in the domain: two pages showed the same binding; the
// first change wins, the second (a rebind, a delete of the terminal's
// link, a delete of the whole link) is refused with ErrChanged and
// changes nothing. A version the terminal never had is not found.
func TestChangesCarryTheVersionTheyWereMadeFrom(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	term := link.Terminal{Key: "T", Name: "レジ1"}
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, term, f.camA.ID, link.NotBound))
	// A second tab still showing the terminal unbound.
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, term, f.camA2.ID, link.NotBound); !errors.Is(err, link.ErrChanged) {
		t.Fatalf("bind from a stale 'not bound': %v", err)
	}
	seen := f.bindingIDs(t, f.a.ID, conn.ID)[0]
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, term, f.camA2.ID, seen))
	other := f.link(t, f.b.ID, "2", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.b.ID, other.ID, term, f.camB.ID, link.NotBound))
	theirs := f.bindingIDs(t, f.b.ID, other.ID)[0]
	before := f.rowCounts(t)
	for name, err := range map[string]error{
		"rebind":        f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, term, f.camA.ID, seen),
		"staff rebind":  second(f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, seen, f.camA.ID)),
		"delete row":    second(f.store.Unbind(f.ctx, actor, f.a.ID, conn.ID, []int64{seen})),
		"delete link":   f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, []int64{seen}),
		"delete link 2": f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, nil),
	} {
		if !errors.Is(err, link.ErrChanged) || apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("%s from the old version: %v, want ErrChanged", name, err)
		}
	}
	// A version the terminal never had: a hand-made form.
	for name, err := range map[string]error{
		"rebind with another tenant's binding":       f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, term, f.camA.ID, theirs),
		"staff rebind of another tenant's binding":   second(f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, theirs, f.camA.ID)),
		"staff rebind on another tenant's link":      second(f.store.Rebind(f.ctx, actor, f.a.ID, other.ID, theirs, f.camA.ID)),
		"staff rebind of a binding of no connection": second(f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, 999999, f.camA.ID)),
	} {
		if !errors.Is(err, link.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if after := f.rowCounts(t); after != before {
		t.Errorf("refused changes changed rows: %s, then %s", before, after)
	}
	// From the current version each works: the staff's rebind keeps the
	// terminal and its name.
	current := f.bindingIDs(t, f.a.ID, conn.ID)[0]
	if got, err := f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, current, f.camA.ID); err != nil || got != term {
		t.Fatalf("staff rebind: %+v %v", got, err)
	}
	bs, _ := f.store.Bindings(f.ctx, f.a.ID, conn.ID)
	if len(bs) != 1 || bs[0].CameraID != f.camA.ID || bs[0].Terminal != term {
		t.Fatalf("after the staff's rebind: %+v", bs)
	}
	// Rebinding to a camera whose POS option is not usable is refused with
	// its reason, whatever the version.
	if _, err := f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, bs[0].ID, f.camWait.ID); !errors.Is(err, link.ErrCameraNotUsable) {
		t.Errorf("rebind to a waiting camera: %v", err)
	}
	if _, err := f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, bs[0].ID, f.camOff.ID); !errors.Is(err, link.ErrCameraPOSOff) {
		t.Errorf("rebind to a camera without the option: %v", err)
	}
	must(t, f.store.Delete(f.ctx, actor, f.a.ID, conn.ID, []int64{bs[0].ID}))
}

// Concurrent changes from one version: exactly one wins, whichever it is;
// the others are ErrChanged, and the terminal has one binding after the
// one it had.
func TestOnlyOneConcurrentChangeFromAVersionWins(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T"}, f.camA.ID, link.NotBound))
	seen := f.bindingIDs(t, f.a.ID, conn.ID)[0]
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				errs[i] = f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T"}, f.camA2.ID, seen)
			case 1:
				_, errs[i] = f.store.Rebind(f.ctx, actor, f.a.ID, conn.ID, seen, f.camA2.ID)
			default:
				_, errs[i] = f.store.Unbind(f.ctx, actor, f.a.ID, conn.ID, []int64{seen})
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, link.ErrChanged) {
			t.Fatal(err)
		}
	}
	// A bind to the camera the terminal already feeds changes nothing and
	// succeeds whatever version it names, so successes are not counted:
	// changes are, in the log that records each in its transaction.
	var changes int
	must(t, f.store.Pool().QueryRow(f.ctx, `SELECT count(*) FROM audit_log
		WHERE action IN ('link.bind', 'link.unbind') AND target = $1`, fmt.Sprintf("connection:%d", conn.ID)).Scan(&changes))
	if changes != 2 {
		t.Fatalf("%d changes from one version were made, want 1 (%v)", changes-1, errs)
	}
	if h := f.history(t, conn.ID); len(h) > 2 {
		t.Fatalf("%d binding periods, want at most 2: %+v", len(h), h)
	}
}

// A staff change needs a reason, checked as text.
func TestOnBehalfNeedsAReason(t *testing.T) {
	for reason, want := range map[string]string{
		"":                        "err.reason_required",
		"   ":                     "err.reason_required",
		"a\u202Eb":                "err.text_bidi",
		"a\x00b":                  "err.text_invalid",
		string(make([]byte, 501)): "err.text_invalid",
	} {
		_, err := link.OnBehalf(actor, reason)
		if e, ok := apperr.As(err); !ok || e.Key != want || e.Fields[link.FieldReason] != want {
			t.Errorf("reason %q: %v, want %s", reason, err, want)
		}
	}
	long := make([]rune, link.MaxReasonLen+1)
	for i := range long {
		long[i] = 'あ'
	}
	if _, err := link.OnBehalf(actor, string(long)); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("a reason of %d characters: %v", len(long), err)
	}
	a, err := link.OnBehalf(actor, " 店長から電話で依頼 ")
	if err != nil || a.Reason != "店長から電話で依頼" || a.Label != actor.Label {
		t.Errorf("OnBehalf: %+v %v", a, err)
	}
}

// The overview lists every linked account of the tenant, Ubiregi's first,
// with the current bindings of each (none for an account without a bound
// terminal), and nothing of another tenant's or of a deleted link.
func TestOverview(t *testing.T) {
	f := newFixture(t)
	sm, err := f.store.Save(f.ctx, actor, f.a.ID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: "sk1",
		AuthKind: link.ClientCredentials, Credentials: map[string]string{"client_secret": "s"}})
	must(t, err)
	ub := f.link(t, f.a.ID, "ub1", creds{"a", "r"})
	gone := f.link(t, f.a.ID, "ub2", creds{"a", "r"})
	other := f.link(t, f.b.ID, "ub3", creds{"a", "r"})
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, sm.ID, link.Terminal{Key: "1:2", Store: "本店"}, f.camA.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, sm.ID, link.Terminal{Key: "1:1", Store: "本店"}, f.camA2.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.a.ID, gone.ID, link.Terminal{Key: "G"}, f.camA.ID, link.NotBound))
	must(t, f.store.Bind(f.ctx, actor, f.b.ID, other.ID, link.Terminal{Key: "G"}, f.camB.ID, link.NotBound))
	must(t, f.store.Delete(f.ctx, actor, f.a.ID, gone.ID, f.bindingIDs(t, f.a.ID, gone.ID)))
	got, err := f.store.Overview(f.ctx, f.a.ID)
	must(t, err)
	if len(got) != 2 || got[0].Conn.ID != ub.ID || len(got[0].Bindings) != 0 || got[1].Conn.ID != sm.ID ||
		len(got[1].Bindings) != 2 || got[1].Bindings[0].Terminal.Key != "1:1" || got[1].Bindings[0].CameraID != f.camA2.ID {
		t.Fatalf("overview: %+v", got)
	}
}

func second[T any](_ T, err error) error { return err }
