package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// bidiMessage is what a person reads when a text holds an invisible
// direction control (U+202E and its kin make a name read backwards).
const bidiMessage = "文字の表示方向を変える制御文字は使用できません。"

// The support console refuses invisible direction controls in tenant,
// owner and camera names, the owner's e-mail and the camera's model, with
// the message at the field, and saves nothing.
func TestSupportFormsRefuseDirectionControls(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "店")
	cam := e.camera(t, tn.ID, "cam-1", "入口", time.Time{})
	before := e.rowCounts(t)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/support/tenants", url.Values{"name": {"カフェ\u202Egpj.exe"}}},
		{tenantPath(tn.ID), url.Values{"name": {"\u2067店\u2069"}}},
		{tenantPath(tn.ID) + "/owners", url.Values{"email": {"owner@example.com"}, "display_name": {"山田\u200F"},
			"password": {"long-enough-1"}}},
		{tenantPath(tn.ID) + "/owners", url.Values{"email": {"own\u202Eer@example.com"}, "password": {"long-enough-1"}}},
		{tenantPath(tn.ID) + "/cameras", url.Values{"device_id": {"cam-2"}, "name": {"レジ\u202D前"}}},
		{tenantPath(tn.ID) + "/cameras", url.Values{"device_id": {"cam-2"}, "name": {"レジ前"}, "model": {"CC\u2066-2L"}}},
		{cameraPath(tn.ID, cam.ID), url.Values{"device_id": {"cam-1"}, "name": {"入口\u061C"}}},
	} {
		postRefused(t, c, tc.path, tc.form, http.StatusBadRequest, "入力内容を確認してください。", bidiMessage)
	}
	if after := e.rowCounts(t); after != before {
		t.Errorf("refused forms changed rows: %s, then %s", before, after)
	}
	if got, _ := e.store.Camera(t.Context(), tn.ID, cam.ID); got.Name != "入口" {
		t.Errorf("camera renamed to %q", got.Name)
	}

	c.lang = "en"
	postRefused(t, c, "/support/tenants", url.Values{"name": {"Caf\u202Ee"}}, http.StatusBadRequest,
		"Invisible text-direction control characters are not allowed.")
}

// The tenant search checks its text before any query: a direction control
// is refused with its message, bytes PostgreSQL refuses answer 400 (not
// the 500 of a database error), and a plain search still works.
func TestSupportTenantSearchChecksItsText(t *testing.T) {
	e, c := staffEnv(t)
	e.tenant(t, "カフェ渋谷")
	res, body := c.get("/support/tenants?q=" + url.QueryEscape("カフェ\u202E"))
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("search with U+202E: %d, want 400", res.StatusCode)
	}
	wantContains(t, body, bidiMessage)
	for _, q := range []string{"カフェ\x00", "カフェ\xff", strings.Repeat("q", 255)} {
		if res, _ := c.get("/support/tenants?q=" + url.QueryEscape(q)); res.StatusCode != http.StatusBadRequest {
			t.Errorf("search %q: %d, want 400", q, res.StatusCode)
		}
	}
	res, body = c.get("/support/tenants?q=" + url.QueryEscape(" 渋谷 "))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("plain search: %d", res.StatusCode)
	}
	wantContains(t, body, "カフェ渋谷")
}

// The Smaregi メモ refuses direction controls on 新規設定追加 and on
// 連携情報修正, with the message at the field; nothing is saved.
func TestSmaregiMemoRefusesDirectionControls(t *testing.T) {
	f := newSmaregiEnv(t)
	form := f.creds(t)
	form.Set("memo", "本店\u202Eレジ")
	before := f.linkCounts(t)
	postRefused(t, f.c, "/smaregi", form, http.StatusBadRequest, bidiMessage)
	if after := f.linkCounts(t); after != before {
		t.Fatalf("a refused add changed rows: %s, then %s", before, after)
	}
	conn := f.add(t)
	before = f.linkCounts(t)
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {form.Get("client_id")},
		"client_secret": {form.Get("client_secret")}, "memo": {"\u2066本店"}}, http.StatusBadRequest, bidiMessage)
	if after := f.linkCounts(t); after != before {
		t.Errorf("a refused edit changed rows: %s, then %s", before, after)
	}
	if got, _ := f.links.Connection(t.Context(), f.tenant.ID, conn.ID); got.Memo != "本店" {
		t.Errorf("memo %q after a refused edit", got.Memo)
	}
}
