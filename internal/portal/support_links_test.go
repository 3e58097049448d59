package portal_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/poslink/poslink/internal/link/smaregilink"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

const staffReason = "店長様から電話で依頼（レジ交換のため）"

// unchanged fails unless every table is as it was before.
func unchanged(t *testing.T, e *env, before map[string]string, what string) {
	t.Helper()
	if after := pureSnapshot(t, e); !maps.Equal(before, after) {
		for table := range before {
			if before[table] != after[table] {
				t.Errorf("%s changed table %s", what, table)
			}
		}
	}
}

// Staff see a tenant's links as the owner does (the same table, nothing
// secret), reached from the tenant's page, and rebind, delete and unlink
// them on the tenant's behalf with a reason, which the audit log keeps
// with who did it and from where. A missing reason, or a camera whose
// option is not usable, is refused with its message and changes nothing.
func TestSupportManagesATenantsLinks(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	sm11, sm12 := e.seenOf(t, f.sm.ID, "1:1"), e.seenOf(t, f.sm.ID, "1:2")
	ub0 := e.seenOf(t, f.ub.ID, f.ubTerms[0].Key)

	_, page := f.staff.get(tenantPath(f.tenant.ID))
	wantContains(t, page, `href="`+f.staffLinks("", 0)+`"`, "POSレジ連携を管理")
	res, page := f.staff.get(f.staffLinks("", 0))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("staff links page: %d\n%s", res.StatusCode, page)
	}
	_, ownerPage := f.owner.get("/links")
	for _, id := range []string{"binding-" + ub0, "binding-" + sm11, "binding-" + sm12, "conn-" + itoa(f.smEmpty.ID)} {
		// The owner's cells, then the staff's forms instead of the owner's link.
		own, staff := overviewRow(t, ownerPage, id), overviewRow(t, page, id)
		cells := own[:strings.LastIndex(own, "<td>")]
		if !strings.HasPrefix(staff, cells) {
			t.Errorf("row %s differs from the owner's:\nowner %s\nstaff %s", id, own, staff)
		}
	}
	wantContains(t, overviewRow(t, page, "binding-"+sm11), `action="`+f.staffLinks("rebind", f.sm.ID)+`"`,
		`formaction="`+f.staffLinks("unbind", f.sm.ID)+`"`, `name="binding" value="`+sm11+`"`, `name="reason"`, "再連携", "削除")
	wantContains(t, page, "連携解除", `action="`+f.staffLinks("delete", f.ub.ID)+`"`, `action="`+f.staffLinks("delete", f.smEmpty.ID)+`"`,
		"理由（必須）", "オーナーのPOSレジ連携一覧と同じ内容です")
	wantNotContains(t, "the staff's links page", page, f.smSecret)
	checkPage(t, page)

	// No reason, or one of blanks: the message, at the row, and nothing changed.
	before := pureSnapshot(t, e)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camB.ID)}}},
		{f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camB.ID)}, "reason": {"　 "}}},
		{f.staffLinks("unbind", f.sm.ID), url.Values{"binding": {sm11}, "reason": {""}}},
		{f.staffLinks("delete", f.ub.ID), url.Values{"binding": {ub0}}},
	} {
		body := postRefused(t, f.staff, c.path, c.form, http.StatusBadRequest, "理由を入力してください。")
		checkPage(t, body)
	}
	body := postRefused(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camB.ID)},
		"reason": {"a\u202Eb"}}, http.StatusBadRequest, "文字の表示方向を変える制御文字は使用できません。")
	if row := overviewRow(t, body, "binding-"+sm11); !strings.Contains(row, `aria-invalid="true"`) || !strings.Contains(row, "field-error") {
		t.Errorf("the message is not at the row:\n%s", row)
	}
	// A camera whose POS option is not usable: refused with the reason.
	postRefused(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camWait.ID)},
		"reason": {staffReason}}, http.StatusBadRequest, "このカメラはPOSレジ連携オプションがまだ利用できません")
	postRefused(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camOff.ID)},
		"reason": {staffReason}}, http.StatusBadRequest, "このカメラにはPOSレジ連携オプションが付与されていません。")
	postRefused(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "reason": {staffReason}},
		http.StatusBadRequest, "カメラを選んでください。")
	unchanged(t, e, before, "refused staff changes")

	// 再連携: the register stays, its camera changes; the owner sees it.
	postDone(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {sm11}, "camera": {itoa(f.camB.ID)},
		"reason": {staffReason}}, "端末「レジ1」を 入口カメラ に再連携しました。")
	if got := e.bindings(t, f.tenant.ID, f.sm.ID); got != "1:1→"+itoa(f.camB.ID)+" 1:2→"+itoa(f.camB.ID) {
		t.Errorf("bindings after the staff's rebind: %s", got)
	}
	_, ownerPage = f.owner.get("/links")
	wantContains(t, overviewRow(t, ownerPage, "binding-"+e.seenOf(t, f.sm.ID, "1:1")), "レジ1", "入口カメラ (CC-2L_SF : cam-entrance)")
	// 削除 of a register's link, and 連携解除 of the Ubiregi account.
	postDone(t, f.staff, f.staffLinks("unbind", f.sm.ID), url.Values{"binding": {sm12}, "reason": {staffReason}},
		"端末の連携を削除しました。")
	postDone(t, f.staff, f.staffLinks("delete", f.ub.ID), url.Values{"binding": {ub0}, "reason": {staffReason}},
		"ユビレジ "+f.ub.ExternalID+" の連携を解除しました。")
	if got := e.bindings(t, f.tenant.ID, f.sm.ID); got != "1:1→"+itoa(f.camB.ID) {
		t.Errorf("bindings after the staff's delete: %s", got)
	}
	if _, err := e.links.Connection(t.Context(), f.tenant.ID, f.ub.ID); err == nil {
		t.Error("the Ubiregi account is still linked")
	}
	// Every change is audited with the staff member, the address and the reason.
	entries := e.auditLog(t)
	for i, want := range []string{"link.delete", "link.unbind", "link.bind"} {
		a := entries[i]
		if a.Action != want || a.Actor.Label != staffEmail || a.Actor.Reason != staffReason || a.Actor.Address != "127.0.0.1" ||
			a.TenantID != f.tenant.ID {
			t.Errorf("audit entry %d: %+v, want %s by %s with the reason", i, a, want, staffEmail)
		}
	}
}

// A hand-made request of a staff change naming another tenant's link or
// binding, or this tenant's link under another tenant's URL, is 404 and
// changes nothing. Owners reach none of it.
func TestSupportLinkChangesStayWithinTheTenant(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	other := e.tenant(t, "よその店")
	otherCam := e.camera(t, other.ID, "cam-other", "よそのカメラ", testNow.AddDate(0, 0, -5))
	oc, err := e.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "skother01", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.smaregi.Add(context.Background(), e.actor, other.ID, smaregilink.Input{ContractID: oc.ID,
		ClientID: oc.ClientID, ClientSecret: oc.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.smaregi.Bind(context.Background(), e.actor, other.ID, theirs.ID,
		smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: otherCam.ID}); err != nil {
		t.Fatal(err)
	}
	theirBinding, sm11 := e.seenOf(t, theirs.ID, "1:1"), e.seenOf(t, f.sm.ID, "1:1")
	mine := tenantPath(f.tenant.ID) + "/links/"
	theirPath := tenantPath(other.ID) + "/links/"

	before := pureSnapshot(t, e)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		// Their link under my tenant's URL.
		{mine + itoa(theirs.ID) + "/rebind", url.Values{"binding": {theirBinding}, "camera": {itoa(f.camA.ID)}}},
		{mine + itoa(theirs.ID) + "/unbind", url.Values{"binding": {theirBinding}}},
		{mine + itoa(theirs.ID) + "/delete", url.Values{"binding": {theirBinding}}},
		// Their binding on my link.
		{mine + itoa(f.sm.ID) + "/rebind", url.Values{"binding": {theirBinding}, "camera": {itoa(f.camB.ID)}}},
		{mine + itoa(f.sm.ID) + "/unbind", url.Values{"binding": {theirBinding}}},
		{mine + itoa(f.sm.ID) + "/delete", url.Values{"binding": {theirBinding}}},
		// My binding on another of my links.
		{mine + itoa(f.smEmpty.ID) + "/unbind", url.Values{"binding": {sm11}}},
		// My link under their URL, with their camera.
		{theirPath + itoa(f.sm.ID) + "/rebind", url.Values{"binding": {sm11}, "camera": {itoa(otherCam.ID)}}},
		{theirPath + itoa(f.sm.ID) + "/unbind", url.Values{"binding": {sm11}}},
		{theirPath + itoa(f.sm.ID) + "/delete", url.Values{"binding": e.seenAll(t, f.sm.ID)}},
		{tenantPath(99999) + "/links/" + itoa(f.sm.ID) + "/unbind", url.Values{"binding": {sm11}}},
	} {
		c.form.Set("reason", staffReason)
		res, body := f.staff.postForm(c.path, c.form)
		if res.StatusCode != http.StatusNotFound || !visibleMessage(body) {
			t.Errorf("POST %s %v: %d, want 404 with a message", c.path, c.form, res.StatusCode)
		}
		if strings.HasPrefix(c.path, mine) {
			wantNotContains(t, c.path, body, "skother01", "よそのカメラ")
		}
	}
	if res, _ := f.staff.get(tenantPath(99999) + "/links"); res.StatusCode != http.StatusNotFound {
		t.Errorf("links of no tenant: %d", res.StatusCode)
	}
	_, page := f.staff.get(tenantPath(other.ID) + "/links")
	wantNotContains(t, "the other tenant's links", page, demoContract, "レジ前カメラ")
	unchanged(t, e, before, "requests across tenants")

	// Owners reach no staff page or change, their own tenant's neither.
	for _, p := range []string{mine, tenantPath(f.tenant.ID) + "/links"} {
		if res, _ := f.owner.get(p); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("owner GET %s: %d", p, res.StatusCode)
		}
	}
	if res, _ := f.owner.get(tenantPath(f.tenant.ID) + "/links"); res.StatusCode != http.StatusForbidden {
		t.Errorf("owner GET the staff's links page: %d, want 403", res.StatusCode)
	}
	res, _ := f.owner.postForm(mine+itoa(f.sm.ID)+"/unbind", url.Values{"binding": {sm11}, "reason": {staffReason}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("owner POST a staff change: %d, want 403", res.StatusCode)
	}
	unchanged(t, e, before, "owners' requests")
}

// The two-tab case in the console: two pages of the tenant's links show a
// register's binding; the first rebinds it; the second's rebind, delete
// and 連携解除 are refused as changed meanwhile, show the links as they
// stand, and change nothing. So is an owner's page the staff changed
// under.
func TestSupportTwoTabs(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	_, tab1 := f.staff.get(f.staffLinks("", 0))
	_, tab2 := f.staff.get(f.staffLinks("", 0))
	_, ownerTab := f.owner.get(connPath(f.sm.ID, ""))
	seen := bindingAfter(t, tab1, `data-terminal="2"`)
	if other := bindingAfter(t, tab2, `data-terminal="2"`); other != seen {
		t.Fatalf("two loads show versions %s and %s", seen, other)
	}
	ownerSeen := bindingAfter(t, ownerTab, `id="bind-1-2"`)
	seenAll := bindingValue.FindAllStringSubmatch(tab2[strings.Index(tab2, `action="`+f.staffLinks("delete", f.sm.ID)+`"`):], 2)

	postDone(t, f.staff, f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {seen}, "camera": {itoa(f.camA.ID)},
		"reason": {staffReason}}, "に再連携しました")
	current := e.seenOf(t, f.sm.ID, "1:2")
	before := pureSnapshot(t, e)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {seen}, "camera": {itoa(f.camB.ID)}}},
		{f.staffLinks("unbind", f.sm.ID), url.Values{"binding": {seen}}},
		{f.staffLinks("delete", f.sm.ID), url.Values{"binding": {seenAll[0][1], seenAll[1][1]}}},
	} {
		c.form.Set("reason", staffReason)
		body := postRefused(t, f.staff, c.path, c.form, http.StatusConflict, "他の画面で変更されました。最新の状態を表示しています。")
		// The page shows the register as it is now, with its new version.
		row := overviewRow(t, body, "binding-"+current)
		wantContains(t, row, "レジ2", "レジ前カメラ (CC-2L_SF : cam-register)", `name="binding" value="`+current+`"`)
		checkPage(t, body)
	}
	// The owner's page from before the staff's change.
	body := postRefused(t, f.owner, connPath(f.sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"2"},
		"camera_id": {itoa(f.camB.ID)}, "binding": {ownerSeen}}, http.StatusConflict, "他の画面で変更されました。")
	if !strings.Contains(body, `name="binding" value="`+current+`"`) {
		t.Error("the owner's page does not show the current binding")
	}
	unchanged(t, e, before, "changes from stale pages")
}

// Concurrent staff rebinds from one version (the same page submitted from
// several tabs at once): exactly one wins, the others are told it changed
// meanwhile, and the register has one binding more, audited once.
func TestSupportConcurrentRebindsFromOneVersion(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	seen := e.seenOf(t, f.sm.ID, "1:1")
	bindingsBefore, auditBefore := e.count(t, "terminal_bindings"), e.count(t, "audit_log")
	const n = 8
	status := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, _ := f.staff.postForm(f.staffLinks("rebind", f.sm.ID), url.Values{"binding": {seen},
				"camera": {itoa(f.camB.ID)}, "reason": {staffReason}})
			status[i] = res.StatusCode
		})
	}
	wg.Wait()
	won, conflicts := 0, 0
	for _, s := range status {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusConflict:
			conflicts++
		}
	}
	if won != 1 || conflicts != n-1 {
		t.Fatalf("answers %v: %d won, %d conflicts; want 1 and %d", status, won, conflicts, n-1)
	}
	if got := e.count(t, "terminal_bindings") - bindingsBefore; got != 1 {
		t.Errorf("%d bindings more, want 1", got)
	}
	if got := e.count(t, "audit_log") - auditBefore; got != 1 {
		t.Errorf("%d audit entries more, want 1", got)
	}
}
