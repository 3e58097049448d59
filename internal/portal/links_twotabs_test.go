package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/poslink/poslink/internal/tenancy"
)

// The two-tab case on the owner's Smaregi pages: two tabs show register
// 1:1 on camA; the first moves it to camB (rebind in place: the register
// stays); the second's rebind, delete of the row and delete of the whole
// link, all loaded before, are refused as changed meanwhile with the page
// as it stands, and change nothing. Then the manuals' way works: delete
// terminal 1's link, add terminal 2 to the same camera.
func TestSmaregiTwoTabs(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	page := connPath(f.sm.ID, "")
	_, tab1 := f.owner.get(page)
	_, tab2 := f.owner.get(page)
	_, confirmRow := f.owner.get(connPath(f.sm.ID, "unbind") + "?terminal=1:1")
	_, confirmLink := f.owner.get(connPath(f.sm.ID, "delete"))
	seen := bindingAfter(t, tab1, `id="bind-1-1"`)
	if bindingAfter(t, tab2, `id="bind-1-1"`) != seen || bindingAfter(t, confirmRow, `action="/smaregi/`) != seen {
		t.Fatal("the pages show different versions")
	}
	linkSeen := bindingValue.FindAllStringSubmatch(confirmLink, -1)

	postDone(t, f.owner, connPath(f.sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"},
		"camera_id": {itoa(f.camB.ID)}, "binding": {seen}}, "渋谷店 / 端末ID 1 をカメラ「入口カメラ」と連携しました。")
	want := "1:1→" + itoa(f.camB.ID) + " 1:2→" + itoa(f.camB.ID)
	if got := e.bindings(t, f.tenant.ID, f.sm.ID); got != want {
		t.Fatalf("after the rebind: %s, want %s", got, want)
	}
	current := e.seenOf(t, f.sm.ID, "1:1")

	before := pureSnapshot(t, e)
	changed := "他の画面で変更されました。最新の状態を表示しています。"
	for name, form := range map[string]struct {
		path string
		form url.Values
	}{
		"rebind":      {connPath(f.sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(f.camA.ID)}, "binding": {seen}}},
		"delete row":  {connPath(f.sm.ID, "unbind"), url.Values{"binding": {seen}}},
		"delete link": {connPath(f.sm.ID, "delete"), url.Values{"binding": {linkSeen[0][1], linkSeen[1][1]}}},
	} {
		body := postRefused(t, f.owner, form.path, form.form, http.StatusConflict, changed)
		// The register as it is now: camB chosen, the new version.
		i := strings.Index(body, `id="bind-1-1-camera"`)
		if i < 0 || !strings.Contains(body[i:i+600], `<option value="`+itoa(f.camB.ID)+`" selected>`) ||
			bindingAfter(t, body, `id="bind-1-1"`) != current {
			t.Errorf("%s: the page does not show the register as it is now", name)
		}
		checkPage(t, body)
	}
	// Added by its ID while its row shows it on a camera: told to change
	// it on its row.
	postRefused(t, f.owner, connPath(f.sm.ID, "bind"), url.Values{"typed": {"1"}, "store_id": {"1"}, "terminal_id": {"1"},
		"camera_id": {itoa(f.camA.ID)}}, http.StatusConflict, "この端末はすでに別のカメラに連携されています。")
	unchanged(t, e, before, "changes from stale tabs")

	// The manuals' way: delete terminal 1's link, then add terminal 2 (of
	// 新宿店) to the same camera.
	_, confirmRow = f.owner.get(connPath(f.sm.ID, "unbind") + "?terminal=1:1")
	postDone(t, f.owner, connPath(f.sm.ID, "unbind"), url.Values{"binding": {bindingAfter(t, confirmRow, `action="/smaregi/`)}},
		"1 件の連携設定を削除しました。")
	_, tab1 = f.owner.get(page)
	postDone(t, f.owner, connPath(f.sm.ID, "bind"), url.Values{"store_id": {"2"}, "terminal_id": {"1"},
		"camera_id": {itoa(f.camB.ID)}, "binding": {bindingAfter(t, tab1, `id="bind-2-1"`)}}, "と連携しました。")
	want = "1:2→" + itoa(f.camB.ID) + " 2:1→" + itoa(f.camB.ID)
	if got := e.bindings(t, f.tenant.ID, f.sm.ID); got != want {
		t.Errorf("after the manuals' change: %s, want %s", got, want)
	}
}

// The same on the Ubiregi page: a row's 更新 from a stale tab, and the
// delete of its link and of the account confirmed from stale pages.
func TestUbiregiTwoTabs(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	key := f.ubTerms[0].Key
	_, tab1 := f.owner.get("/ubiregi")
	_, tab2 := f.owner.get("/ubiregi")
	_, confirmRow := f.owner.get("/ubiregi/" + itoa(f.ub.ID) + "/unbind?terminal=" + url.QueryEscape(key))
	_, confirmLink := f.owner.get("/ubiregi/" + itoa(f.ub.ID) + "/delete")
	seen := bindingAfter(t, ubRow(t, tab1, key), `id="bind-`)
	if bindingAfter(t, ubRow(t, tab2, key), `id="bind-`) != seen || bindingAfter(t, confirmRow, `action="/ubiregi/`) != seen ||
		bindingAfter(t, confirmLink, `action="/ubiregi/`) != seen {
		t.Fatal("the pages show different versions")
	}
	postDone(t, f.owner, "/ubiregi/"+itoa(f.ub.ID)+"/bind", url.Values{"terminal": {key}, "camera": {itoa(f.camB.ID)}, "binding": {seen}},
		"をカメラ「入口カメラ」に連携しました。")
	before := pureSnapshot(t, e)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/ubiregi/" + itoa(f.ub.ID) + "/bind", url.Values{"terminal": {key}, "camera": {itoa(f.camA.ID)}, "binding": {seen}}},
		{"/ubiregi/" + itoa(f.ub.ID) + "/unbind", url.Values{"binding": {seen}}},
		{"/ubiregi/" + itoa(f.ub.ID) + "/delete", url.Values{"binding": {seen}}},
	} {
		body := postRefused(t, f.owner, c.path, c.form, http.StatusConflict, "他の画面で変更されました。")
		if row := ubRow(t, body, key); !ubSelected(row, f.camB) {
			t.Errorf("%s: the row does not show the camera it feeds now:\n%s", c.path, row)
		}
	}
	unchanged(t, e, before, "changes from stale tabs")
}

// Concurrent rebinds of a register from one page (several tabs submitted
// at once, each to another camera): exactly one wins.
func TestSmaregiConcurrentRebindsFromOneVersion(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	const n = 6
	cams := make([]tenancy.Camera, n)
	for i := range cams {
		cams[i] = e.camera(t, f.tenant.ID, fmt.Sprintf("cam-extra-%d", i), fmt.Sprintf("追加カメラ%d", i), testNow.AddDate(0, 0, -5))
	}
	seen := e.seenOf(t, f.sm.ID, "1:1")
	bindingsBefore := e.count(t, "terminal_bindings")
	status := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, _ := f.owner.postForm(connPath(f.sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"},
				"camera_id": {itoa(cams[i].ID)}, "binding": {seen}})
			status[i] = res.StatusCode
		})
	}
	wg.Wait()
	won := 0
	for _, s := range status {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("answer %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("answers %v: %d won, want 1", status, won)
	}
	if got := e.count(t, "terminal_bindings") - bindingsBefore; got != 1 {
		t.Errorf("%d bindings more, want 1", got)
	}
}
