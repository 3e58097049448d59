package portal_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/poslink/poslink/internal/link"
)

// The owner adds the demo contract, sees its registers, binds two, changes
// one's camera and adds one by typing its 端末ID; the list then shows the
// manual's table.
func TestSmaregiAddListBindAndList(t *testing.T) {
	f := newSmaregiEnv(t)
	_, body := f.c.get("/smaregi")
	wantContains(t, body, "スマレジ連携設定", "連携設定の追加、編集、削除を行うことができます。", "新規設定追加",
		"連携しているスマレジの契約はありません")
	_, body = f.c.get("/smaregi/new")
	wantContains(t, body, "契約ID", "クライアントID", "クライアントシークレット", "メモ", "登録", "戻る",
		"pos.transactions:read", "pos.stores:read")

	conn := f.add(t)
	if conn.AuthKind != link.ClientCredentials || conn.Memo != "本店" || conn.ExternalID != demoContract {
		t.Errorf("connection %+v", conn)
	}
	res, body := f.c.get(connPath(conn.ID, ""))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("terminal page: %d", res.StatusCode)
	}
	wantContains(t, body, "契約ID "+demoContract+" を連携しました", "渋谷店", "新宿店", "レジ1", "レジ2",
		"店舗", "端末ID", "端末名", "カメラ", "追加", "レジ前カメラ (CC-2L_SF : cam-register)", "端末IDを入力して追加")
	wantNotContains(t, "terminal page", body, "バックヤードカメラ")

	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	f.bind(t, conn.ID, "1", "2", f.cam2.ID)
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != "1:1→"+itoa(f.cam.ID)+" 1:2→"+itoa(f.cam2.ID) {
		t.Fatalf("bindings %s", got)
	}
	// A row's camera changed in place (更新), and a register added by its ID.
	f.bind(t, conn.ID, "1", "2", f.cam.ID)
	postDone(t, f.c, connPath(conn.ID, "bind"), url.Values{"typed": {"1"}, "store_id": {"2"}, "terminal_id": {"01"},
		"camera_id": {itoa(f.cam2.ID)}}, "新宿店 / 端末ID 1 をカメラ「入口カメラ」と連携しました。")
	want := "1:1→" + itoa(f.cam.ID) + " 1:2→" + itoa(f.cam.ID) + " 2:1→" + itoa(f.cam2.ID)
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != want {
		t.Fatalf("bindings %s, want %s", got, want)
	}

	_, body = f.c.get("/smaregi")
	wantContains(t, body, "契約ID "+demoContract, "連携中", "本店", "契約ID", "端末ID", "カメラ",
		"渋谷店 / 1", "渋谷店 / 2", "新宿店 / 1", "入口カメラ (CC-2L_SF : cam-entrance)", "クライアントシークレット *****",
		`name="terminal" value="1:2"`, "連携情報修正", "削除")

	var actions []string
	for _, a := range f.auditLog(t) {
		actions = append(actions, a.Action)
	}
	wantContains(t, join(actions), "link.create", "link.bind")
}

// The pages in English, with every message found in the catalogue.
func TestSmaregiPagesInEnglish(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	f.c.lang = "en"
	pages := map[string][]string{
		"/smaregi":                {"Smaregi link settings", "Add, edit and delete link settings.", "Add new setting", "Linked", "Contract ID", "Terminal ID", "Camera"},
		"/smaregi/new":            {"Client ID", "Client secret", "Register", "How to find the connection details", "Scopes tab"},
		connPath(conn.ID, ""):     {"Terminals and cameras: contract ID " + demoContract, "Add by terminal ID", "Update", "Add"},
		connPath(conn.ID, "edit"): {"Edit connection details", "Leave this empty to keep it", "Save", "Delete this link"},
	}
	for p, want := range pages {
		res, body := f.c.get(p)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, res.StatusCode)
		}
		wantContains(t, body, want...)
		checkPage(t, body)
	}
	body := postRefused(t, f.c, "/smaregi", url.Values{"contract_id": {"sknone99"}, "client_id": {f.creds(t).Get("client_id")},
		"client_secret": {f.creds(t).Get("client_secret")}}, http.StatusBadRequest, "Smaregi has no contract with the contract ID", "sknone99")
	checkPage(t, body)
}
