package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSupportEditsCamera(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	tn := e.tenant(t, "店")
	cam := e.camera(t, tn.ID, "cam-1", "入口", time.Time{})

	res, body := c.get(cameraPath(tn.ID, cam.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET camera page: %d", res.StatusCode)
	}
	wantContains(t, body, "カメラ編集: 入口", "店", `value="cam-1"`, `value="入口"`, `value="CC-2L_SF"`, "更新")

	postDone(t, c, cameraPath(tn.ID, cam.ID), url.Values{"device_id": {"cam-1b"}, "name": {" 出口 "}, "model": {""}},
		"カメラ「出口」を更新しました。")
	got, err := e.store.Camera(ctx, tn.ID, cam.ID)
	if err != nil || got.DeviceID != "cam-1b" || got.Name != "出口" || got.Model != "" {
		t.Fatalf("camera after edit: %+v, %v", got, err)
	}
	a := e.auditLog(t)[0]
	if a.Action != "camera.update" || a.Actor.Label != staffEmail || a.Target != "camera:"+supportID(cam.ID) {
		t.Errorf("audit entry %+v", a)
	}
}

func TestSupportCameraFormsRefuseBadInput(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	tn := e.tenant(t, "店")
	cam := e.camera(t, tn.ID, "cam-1", "入口", time.Time{})
	other := e.tenant(t, "別の店")
	e.camera(t, other.ID, "cam-other", "よそのカメラ", time.Time{})

	cases := []struct {
		name    string
		form    url.Values
		status  int
		message string
	}{
		{"empty device ID", url.Values{"device_id": {""}, "name": {"カメラ"}}, 400, "入力してください。"},
		{"invalid device ID", url.Values{"device_id": {"cam 1/x"}, "name": {"カメラ"}}, 400,
			"デバイスIDは英数字・ハイフン・アンダースコアの64文字以内で入力してください。"},
		{"too long device ID", url.Values{"device_id": {strings.Repeat("a", 65)}, "name": {"カメラ"}}, 400,
			"デバイスIDは英数字・ハイフン・アンダースコアの64文字以内で入力してください。"},
		{"duplicate device ID", url.Values{"device_id": {"cam-other"}, "name": {"カメラ"}}, 409,
			"このデバイスIDのカメラはすでに登録されています。"},
		{"empty name", url.Values{"device_id": {"cam-new"}, "name": {" "}}, 400, "入力してください。"},
		{"too long name", url.Values{"device_id": {"cam-new"}, "name": {strings.Repeat("名", 101)}}, 400,
			"100文字以内で入力してください。"},
		{"too long model", url.Values{"device_id": {"cam-new"}, "name": {"カメラ"}, "model": {strings.Repeat("m", 101)}}, 400,
			"100文字以内で入力してください。"},
		{"control character", url.Values{"device_id": {"cam-new"}, "name": {"カ\x1bメラ"}}, 400,
			"使用できない文字が含まれています。"},
	}
	for _, tc := range cases {
		for _, path := range []string{tenantPath(tn.ID) + "/cameras", cameraPath(tn.ID, cam.ID)} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				before := e.rowCounts(t)
				want := []string{"入力内容を確認してください。", tc.message}
				if d := tc.form.Get("device_id"); d != "" && !strings.Contains(d, "/") {
					want = append(want, `value="`+d+`"`) // the typed values stay in the form
				}
				postRefused(t, c, path, tc.form, tc.status, want...)
				if after := e.rowCounts(t); after != before {
					t.Errorf("rows changed: %s, then %s", before, after)
				}
			})
		}
	}
	got, err := e.store.Camera(ctx, tn.ID, cam.ID)
	if err != nil || got.DeviceID != "cam-1" || got.Name != "入口" || got.Model != "CC-2L_SF" {
		t.Errorf("camera after refused edits: %+v, %v", got, err)
	}
	// Its own device ID is no duplicate when editing.
	postDone(t, c, cameraPath(tn.ID, cam.ID), url.Values{"device_id": {"cam-1"}, "name": {"入口2"}}, "カメラ「入口2」を更新しました。")
}

func TestSupportSwitchesPOSOption(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	tn := e.tenant(t, "店")
	cam := e.camera(t, tn.ID, "cam-1", "レジ前", time.Time{})
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	posPath := cameraPath(tn.ID, cam.ID) + "/pos"

	// testNow is 2026-11-23 in Tokyo: an order today is usable from the 26th.
	_, body := c.get(cameraPath(tn.ID, cam.ID))
	wantContains(t, body, "POSレジ連携オプション", "未契約", "利用開始日", `type="date"`, `value="2026-11-26"`,
		"お申込み後4日目以降", "2026/11/26")

	// Refused: no choice, no date, a bad date. Nothing is saved.
	for _, tc := range []struct {
		form    url.Values
		message string
	}{
		{url.Values{"pos_usable_from": {"2026-11-26"}}, "有効または無効を選んでください。"},
		{url.Values{"pos": {"maybe"}}, "有効または無効を選んでください。"},
		{url.Values{"pos": {"on"}, "pos_usable_from": {""}}, "入力してください。"},
		{url.Values{"pos": {"on"}, "pos_usable_from": {"2026-13-01"}}, "日付を YYYY-MM-DD の形式で入力してください。"},
		{url.Values{"pos": {"on"}, "pos_usable_from": {"来週"}}, "日付を YYYY-MM-DD の形式で入力してください。"},
		{url.Values{"pos": {"on"}, "pos_usable_from": {"1999-01-01"}}, "日付を YYYY-MM-DD の形式で入力してください。"},
	} {
		before := e.rowCounts(t)
		body := postRefused(t, c, posPath, tc.form, http.StatusBadRequest, "入力内容を確認してください。", tc.message)
		if d := tc.form.Get("pos_usable_from"); d != "" && !strings.Contains(body, `value="`+d+`"`) {
			t.Errorf("the typed date %q is not kept in the form", d)
		}
		if after := e.rowCounts(t); after != before {
			t.Errorf("rows changed: %s, then %s", before, after)
		}
		if got, _ := e.store.Camera(ctx, tn.ID, cam.ID); got.POSEnabled {
			t.Fatalf("POS option on after %v", tc.form)
		}
	}

	// On from the 26th: waiting today, shown with the date.
	postDone(t, c, posPath, url.Values{"pos": {"on"}, "pos_usable_from": {"2026-11-26"}},
		"カメラ「レジ前」のPOSレジ連携オプションを有効にしました（利用開始日: 2026/11/26）。")
	got, _ := e.store.Camera(ctx, tn.ID, cam.ID)
	if !got.POSEnabled || got.POSUsableFrom.Format(time.DateOnly) != "2026-11-26" {
		t.Fatalf("camera after switching on: %+v", got)
	}
	_, body = c.get(tenantPath(tn.ID))
	wantContains(t, body, "2026/11/26 から利用可能")
	_, body = c.get(cameraPath(tn.ID, cam.ID))
	wantContains(t, body, `value="on" checked`, `value="2026-11-26"`)
	a := e.auditLog(t)[0]
	if a.Action != "camera.pos_option" || a.Actor.Label != staffEmail || a.Details["enabled"] != true ||
		a.Details["usable_from"] != "2026-11-26" {
		t.Errorf("audit entry %+v", a)
	}

	// The manuals' slash form is accepted too; a past date makes it usable now.
	postDone(t, c, posPath, url.Values{"pos": {"on"}, "pos_usable_from": {"2026/11/20"}}, "利用開始日: 2026/11/20")
	_, body = e.login(t, ownerEmail, ownerPW).get("/cameras")
	wantContains(t, body, "利用可能")

	// Off needs no date, and ignores one left in the field.
	postDone(t, c, posPath, url.Values{"pos": {"off"}, "pos_usable_from": {"garbage"}},
		"カメラ「レジ前」のPOSレジ連携オプションを無効にしました。")
	got, _ = e.store.Camera(ctx, tn.ID, cam.ID)
	if got.POSEnabled {
		t.Fatal("POS option still on")
	}
	_, body = c.get(tenantPath(tn.ID))
	wantContains(t, body, "未契約")
	if a := e.auditLog(t)[0]; a.Action != "camera.pos_option" || a.Details["enabled"] != false {
		t.Errorf("audit entry %+v", a)
	}
}
