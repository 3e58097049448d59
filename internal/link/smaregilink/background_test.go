package smaregilink_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
)

// tables is every row the service can write, for checking that reads write
// nothing.
func (f *fixture) tables(t *testing.T) string {
	t.Helper()
	var out []string
	for _, table := range []string{"pos_connections", "terminal_bindings", "audit_log"} {
		var sum string
		err := f.links.Pool().QueryRow(f.ctx, `SELECT coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM `+table+` r`).Scan(&sum)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, table+"="+sum)
	}
	return strings.Join(out, " ")
}

// Reading links writes nothing, even when the clock has passed the cut-over,
// Smaregi refuses a stored secret or reports new names: the reads show
// all that, and the background jobs store it — except the refused secret,
// which is no 要更新 (the poller stops polling that link instead).
func TestReadsWriteNothingAndJobsStore(t *testing.T) {
	f := newFixture(t, cutover.Add(-time.Hour))
	legacy, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: "skold", AccessToken: "tok",
		Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID}}})
	if err != nil || legacy.Status != link.Active {
		t.Fatalf("import before the cut-over: %+v, %v", legacy, err)
	}
	c2, err := f.sim.CreateContract(smaregiSpec("sktest02"))
	if err != nil {
		t.Fatal(err)
	}
	refused, err := f.svc.Add(f.ctx, actor, f.a.ID, smaregilink.Input{ContractID: c2.ID, ClientID: c2.ClientID, ClientSecret: c2.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	renamed := f.add(t)
	if _, err := f.svc.Bind(f.ctx, actor, f.a.ID, renamed.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.cam2.ID}); err != nil {
		t.Fatal(err)
	}
	// Since then: the register was renamed, the secret reissued, the cut-over passed.
	if _, err := f.links.Pool().Exec(f.ctx, `UPDATE terminal_bindings SET terminal_name = '旧レジ', store_name = '旧店'
		WHERE connection_id = $1`, renamed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.ReissueSecret(c2.ID); err != nil {
		t.Fatal(err)
	}
	must(t, f.sim.RevokeTokens(c2.ID))
	f.clock.Set(after)

	before := f.tables(t)
	links, err := f.svc.Links(f.ctx, f.a.ID)
	if err != nil || len(links) != 3 {
		t.Fatalf("links %+v, %v", links, err)
	}
	phases := map[int64]smaregilink.Phase{}
	for _, l := range links {
		phases[l.Conn.ID] = l.Phase
	}
	if phases[legacy.ID] != smaregilink.PhaseUpdateRequired || phases[renamed.ID] != smaregilink.PhaseActive {
		t.Errorf("phases %v", phases)
	}
	ts, err := f.svc.Terminals(f.ctx, f.a.ID, refused.ID)
	if err != nil || ts.Problem == nil || !ts.Refused || ts.Phase != smaregilink.PhaseActive {
		t.Errorf("terminals of the refused link: phase %s, refused %v, problem %v, %v", ts.Phase, ts.Refused, ts.Problem, err)
	}
	ts, err = f.svc.Terminals(f.ctx, f.a.ID, renamed.ID)
	if err != nil || len(ts.Rows) == 0 || ts.Rows[0].TerminalName == "旧レジ" || ts.Rows[0].StoreName != "渋谷店" {
		t.Errorf("terminals of the renamed link show %+v, %v", ts.Rows, err)
	}
	for _, id := range []int64{legacy.ID, refused.ID, renamed.ID} {
		if _, err := f.svc.Link(f.ctx, f.a.ID, id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Terminals(f.ctx, f.a.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	if after := f.tables(t); after != before {
		t.Fatal("reading links wrote to the database")
	}

	// The jobs store what the reads showed.
	if n, err := f.svc.MarkRetiredLegacyLinks(f.ctx); n != 1 || err != nil {
		t.Errorf("marked %d legacy links (%v), want 1", n, err)
	}
	if n := f.svc.RefreshNames(f.ctx); n != 1 {
		t.Errorf("renamed %d bindings, want 1", n)
	}
	for id, want := range map[int64]link.Status{legacy.ID: link.UpdateRequired, refused.ID: link.Active, renamed.ID: link.Active} {
		if c, _ := f.links.Connection(f.ctx, f.a.ID, id); c.Status != want {
			t.Errorf("link %d: %s, want %s", id, c.Status, want)
		}
	}
	bs, _ := f.links.Bindings(f.ctx, f.a.ID, renamed.ID)
	if len(bs) != 1 || bs[0].Terminal.Name == "旧レジ" || bs[0].Terminal.Store != "渋谷店" {
		t.Errorf("bindings after the names job: %+v", bs)
	}
	if a := f.audit(t); !strings.Contains(a, "system:smaregi link.status") {
		t.Errorf("audit %s", a)
	}
	// Every link was checked: a second pass asks Smaregi nothing.
	tokens := f.tokens.Load()
	if n := f.svc.RefreshNames(f.ctx); n != 0 || f.tokens.Load() != tokens {
		t.Errorf("a second pass renamed %d, asked for %d tokens", n, f.tokens.Load()-tokens)
	}
}

// The old API's store names reach the bindings of an imported link, which
// knew none, before the cut-over.
func TestRefreshNamesOfImportedLink(t *testing.T) {
	f := newFixture(t, cutover.Add(-48*time.Hour))
	c := f.importLegacy(t, f.a.ID, f.cam.ID)
	if n := f.svc.RefreshNames(f.ctx); n != 1 {
		t.Fatalf("renamed %d", n)
	}
	bs, _ := f.links.Bindings(f.ctx, f.a.ID, c.ID)
	if len(bs) != 1 || bs[0].Terminal.Store != "渋谷店" {
		t.Errorf("bindings %+v", bs)
	}
}

func (f *fixture) audit(t *testing.T) string {
	t.Helper()
	rows, err := f.links.Pool().Query(f.ctx, `SELECT actor || ' ' || action FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// A failure midway through an import leaves nothing: no link, no binding,
// no audit entry.
func TestImportLegacyIsAtomic(t *testing.T) {
	f := newFixture(t, after)
	for _, q := range []string{
		`CREATE FUNCTION test_fail_binding() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure'; END; $$`,
		`CREATE TRIGGER test_fail_binding BEFORE INSERT ON terminal_bindings FOR EACH ROW
		WHEN (NEW.terminal_key = '1:2') EXECUTE FUNCTION test_fail_binding()`,
	} {
		if _, err := f.links.Pool().Exec(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	before := f.tables(t)
	_, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: f.contract.ID, AccessToken: "tok",
		Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID}, {StoreID: "1", TerminalID: "2", CameraID: f.cam2.ID}}})
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("import with a failing binding: %v", err)
	}
	if got := f.tables(t); got != before {
		t.Fatal("a failed import left rows behind")
	}
}

// Deleting a link and adding the contract again continues its history.
func TestDeleteAndAddAgainKeepHistory(t *testing.T) {
	f := newFixture(t, after)
	c := f.add(t)
	seen := link.NotBound
	for _, cam := range []int64{f.cam.ID, f.cam2.ID} {
		row, err := f.svc.Bind(f.ctx, actor, f.a.ID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: cam, Seen: seen})
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := f.links.Bindings(f.ctx, f.a.ID, c.ID)
		if len(bs) != 1 || bs[0].CameraID != row.CameraID {
			t.Fatalf("bindings %+v", bs)
		}
		seen = bs[0].ID
	}
	must(t, f.svc.Delete(f.ctx, actor, f.a.ID, c.ID, []int64{seen}))
	if ls, _ := f.svc.Links(f.ctx, f.a.ID); len(ls) != 0 {
		t.Fatalf("links after the delete: %+v", ls)
	}
	again := f.add(t)
	if again.ID != c.ID {
		t.Fatalf("added again as connection %d, want %d", again.ID, c.ID)
	}
	if _, err := f.svc.Bind(f.ctx, actor, f.a.ID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.cam.ID}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.links.Pool().Query(f.ctx, `SELECT camera_id, unbound_at IS NULL FROM terminal_bindings
		WHERE connection_id = $1 AND terminal_key = '1:1' ORDER BY bound_at`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var cam int64
		var open bool
		must(t, rows.Scan(&cam, &open))
		got = append(got, fmt.Sprint(cam, open))
	}
	want := fmt.Sprint(f.cam.ID, false) + " " + fmt.Sprint(f.cam2.ID, false) + " " + fmt.Sprint(f.cam.ID, true)
	if strings.Join(got, " ") != want {
		t.Errorf("history %v, want %s", got, want)
	}
}
