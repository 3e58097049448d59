package portal_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/fault"
)

// A register that is not the contract's, a camera that is not the
// tenant's or not usable yet, or Smaregi failing: the message, on the form
// that was used, and nothing saved.
func TestSmaregiBindRefusals(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	other := f.env.tenant(t, "よその店")
	otherCam := f.camera(t, other.ID, "cam-other", "よそのカメラ", testNow.AddDate(0, 0, -5))
	offCam := f.camera(t, f.tenant.ID, "cam-off", "オプションなしカメラ", time.Time{})

	typed := func(store, terminal string, cam int64) url.Values {
		return url.Values{"typed": {"1"}, "store_id": {store}, "terminal_id": {terminal}, "camera_id": {itoa(cam)}}
	}
	row := func(store, terminal string, cam string) url.Values {
		return url.Values{"store_id": {store}, "terminal_id": {terminal}, "camera_id": {cam},
			"binding": {f.seenOf(t, conn.ID, store+":"+terminal)}}
	}
	cases := []struct {
		name   string
		form   url.Values
		setup  func()
		status int
		want   []string
	}{
		{"terminal ID not in the contract", typed("1", "9", f.cam.ID), nil, 400,
			[]string{"端末ID「9」の端末が、この契約の店舗「渋谷店」に見つかりません", "「レジ端末一覧」", `value="9"`}},
		{"terminal ID of another store", typed("2", "2", f.cam.ID), nil, 400,
			[]string{"端末ID「2」の端末が、この契約の店舗「新宿店」に見つかりません"}},
		{"terminal ID not a number", typed("1", "レジ1", f.cam.ID), nil, 400,
			[]string{"端末IDは1〜999999999の半角数字で入力してください。"}},
		{"store not in the contract", typed("7", "1", f.cam.ID), nil, 400,
			[]string{"店舗（店舗ID 7）がこの契約に見つかりません"}},
		{"no store", typed("", "1", f.cam.ID), nil, 400, []string{"店舗を選んでください。"}},
		{"no camera", row("1", "2", ""), nil, 400, []string{"カメラを選んでください。"}},
		{"another tenant's camera", row("1", "2", itoa(otherCam.ID)), nil, 400,
			[]string{"選択されたカメラが見つかりません。"}},
		{"no such camera", row("1", "2", "999999"), nil, 400, []string{"選択されたカメラが見つかりません。"}},
		{"camera not usable yet", row("1", "2", itoa(f.camWait.ID)), nil, 400,
			[]string{"このカメラはPOSレジ連携オプションがまだ利用できません"}},
		{"camera without the option", row("1", "2", itoa(offCam.ID)), nil, 400,
			[]string{"このカメラにはPOSレジ連携オプションが付与されていません。"}},
		{"rebinding to another tenant's camera", row("1", "1", itoa(otherCam.ID)), nil, 400,
			[]string{"選択されたカメラが見つかりません。"}},
		{"Smaregi down", row("1", "2", itoa(f.cam2.ID)), func() {
			f.sims.Smaregi.Faults().AddDowntime(testNow.Add(-time.Hour), testNow.Add(time.Hour))
		}, 503, []string{"スマレジに接続できませんでした"}},
		{"Smaregi rate-limiting", typed("1", "2", f.cam2.ID), func() { f.sims.Smaregi.Faults().Burst(1, 2*time.Second) }, 429,
			[]string{"2秒ほど待ってから"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { f.sims.Smaregi.Faults().Set(fault.Settings{}) })
			if tc.setup != nil {
				tc.setup()
			}
			before := f.linkCounts(t)
			body := postRefused(t, f.c, connPath(conn.ID, "bind"), tc.form, tc.status, tc.want...)
			wantContains(t, body, "端末とカメラの連携: 契約ID "+demoContract)
			if after := f.linkCounts(t); after != before {
				t.Errorf("saved something: %s, then %s", before, after)
			}
			checkPage(t, body)
		})
	}
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != "1:1→"+itoa(f.cam.ID) {
		t.Errorf("bindings %s", got)
	}
}

// The terminal page of a link whose secret Smaregi no longer accepts shows
// the bindings, エラー and what to do, and no binding form; binding is
// refused with the same words. The link is not 要更新 (the old access
// token's word), not even after the background job.
func TestSmaregiTerminalsWithRefusedSecret(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "2", f.cam.ID)
	if _, err := f.sims.Smaregi.ReissueSecret(demoContract); err != nil {
		t.Fatal(err)
	}
	must(t, f.sims.Smaregi.RevokeTokens(demoContract)) // the cached token too
	res, body := f.c.get(connPath(conn.ID, ""))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("terminal page: %d", res.StatusCode)
	}
	wantContains(t, body, "保存されている接続情報ではスマレジに接続できませんでした", "エラー: スマレジが接続情報を受け付けていません",
		`href="`+connPath(conn.ID, "edit")+`"`, "渋谷店", "レジ2", "カメラと連携済みの端末だけを表示しています")
	wantNotContains(t, "the terminal page", body, "要更新", `action="`+connPath(conn.ID, "bind")+`"`)
	checkPage(t, body)
	f.smaregi.RefreshNames(t.Context())
	c, err := f.links.Connection(t.Context(), f.tenant.ID, conn.ID)
	if err != nil || c.Status != "active" || f.smaregi.PhaseOf(c) != "active" {
		t.Errorf("connection %+v (%v)", c, err)
	}
	before := f.linkCounts(t)
	postRefused(t, f.c, connPath(conn.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(f.cam.ID)},
		"binding": {"0"}},
		http.StatusBadRequest, "保存されている接続情報ではスマレジに接続できませんでした")
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}

	// 連携情報修正 with an empty secret keeps the refused one: refused again.
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {f.creds(t).Get("client_id")}, "client_secret": {""}},
		http.StatusBadRequest, "クライアントIDまたはクライアントシークレットが正しくありません")
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}
	// With the new secret it is active again, its binding kept.
	postDone(t, f.c, connPath(conn.ID, "edit"), f.creds(t), "契約ID "+demoContract+" の連携情報を修正しました。")
	c, _ = f.links.Connection(t.Context(), f.tenant.ID, conn.ID)
	if c.Status != "active" || !f.smaregi.Pollable(c) || f.bindings(t, f.tenant.ID, conn.ID) != "1:2→"+itoa(f.cam.ID) {
		t.Errorf("after the edit: %+v, bindings %s", c, f.bindings(t, f.tenant.ID, conn.ID))
	}
	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, `action="`+connPath(conn.ID, "bind")+`"`, "新宿店")
	wantNotContains(t, "the terminal page after the edit", body, "エラー: スマレジが接続情報を受け付けていません")
}

// 連携情報修正 keeps the stored secret when the field is left empty, asks
// for one when the client ID changes, and changes the memo.
func TestSmaregiEditKeepsSecretAndBindings(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	f.bind(t, conn.ID, "2", "1", f.cam2.ID)
	secret := f.creds(t).Get("client_secret")

	_, body := f.c.get(connPath(conn.ID, "edit"))
	wantContains(t, body, "連携情報修正", `value="`+demoContract+`"`, "readonly", `value="`+f.creds(t).Get("client_id")+`"`,
		`placeholder="*****"`, "変更しない場合は空欄のままにしてください", "修正", "戻る", "この連携を削除")
	wantNotContains(t, "the edit page", body, secret)
	checkPage(t, body)

	postDone(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {f.creds(t).Get("client_id")}, "client_secret": {""},
		"memo": {"渋谷と新宿"}, "contract_id": {"skhacker1"}}, "の連携情報を修正しました")
	c, err := f.links.Connection(t.Context(), f.tenant.ID, conn.ID)
	if err != nil || c.Memo != "渋谷と新宿" || c.ExternalID != demoContract || c.CredentialsVersion != 2 {
		t.Fatalf("after the edit %+v (%v)", c, err)
	}
	// The kept secret still works: the terminals are listed.
	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, "レジ2")
	wantNotContains(t, "the terminal page", body, "接続できませんでした")

	before := f.linkCounts(t)
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {"0123456789abcdef0123456789abcdef"}, "client_secret": {""}},
		http.StatusBadRequest, "クライアントIDを変更する場合は、そのクライアントシークレットも入力してください。")
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {"bad id"}, "client_secret": {"x"}},
		http.StatusBadRequest, "クライアントIDは半角英数字で入力してください")
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}
	want := "1:1→" + itoa(f.cam.ID) + " 2:1→" + itoa(f.cam2.ID)
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != want {
		t.Errorf("bindings %s, want %s", got, want)
	}
}

// Deleting ticked rows, and the whole link, each after a confirmation.
func TestSmaregiDelete(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	f.bind(t, conn.ID, "1", "2", f.cam2.ID)
	f.bind(t, conn.ID, "2", "1", f.cam2.ID)
	unbind := connPath(conn.ID, "unbind")

	// The trash icon asks first, on a page of its own (a GET: nothing changes).
	seen12, seen21 := f.seenOf(t, conn.ID, "1:2"), f.seenOf(t, conn.ID, "2:1")
	before := f.linkCounts(t)
	res, body := f.c.get(unbind + "?" + url.Values{"terminal": {"1:2", "2:1", "9:9"}}.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirmation: %d", res.StatusCode)
	}
	wantContains(t, body, "次の連携設定を削除します。よろしいですか？", "渋谷店 / 2", "新宿店 / 1", "削除する",
		`action="`+unbind+`"`, `name="binding" value="`+seen12+`"`, `name="binding" value="`+seen21+`"`, "サービス自体は解約にはなりません")
	wantNotContains(t, "the confirmation", body, "渋谷店 / 1", "9:9")
	if after := f.linkCounts(t); after != before {
		t.Errorf("the confirmation changed something: %s, then %s", before, after)
	}
	// Nothing posted: a message, and nothing deleted.
	postRefused(t, f.c, unbind, url.Values{}, http.StatusBadRequest, "削除する連携設定のチェックボックスを選んでください。")
	postDone(t, f.c, unbind, url.Values{"binding": {seen12, seen21}}, "2 件の連携設定を削除しました。")
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != "1:1→"+itoa(f.cam.ID) {
		t.Errorf("bindings %s", got)
	}
	// Nothing ticked, or only rows the link does not have.
	wantContains(t, getRefused(t, f.c, unbind), "削除する連携設定のチェックボックスを選んでください。")
	wantContains(t, getRefused(t, f.c, unbind+"?terminal=9:9"), "削除する連携設定のチェックボックスを選んでください。")

	// この連携を削除: the whole link, after its own confirmation.
	res, body = f.c.get(connPath(conn.ID, "delete"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("link delete confirmation: %d", res.StatusCode)
	}
	wantContains(t, body, "契約ID "+demoContract+" の連携を削除します（端末 1 台とカメラの連携を含みます）。")
	postDone(t, f.c, connPath(conn.ID, "delete"), url.Values{"binding": f.seenAll(t, conn.ID)}, "契約ID "+demoContract+" の連携を削除しました。")
	if ls, err := f.smaregi.Links(t.Context(), f.tenant.ID); err != nil || len(ls) != 0 {
		t.Errorf("%d links left (%v)", len(ls), err)
	}
	cams, _ := f.store.Cameras(t.Context(), f.tenant.ID)
	if len(cams) != 3 {
		t.Errorf("deleting the link touched the cameras: %d left", len(cams))
	}
	var actions []string
	for _, a := range f.auditLog(t) {
		actions = append(actions, a.Action)
	}
	wantContains(t, join(actions), "link.unbind", "link.delete")
}
