package portal_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/demo"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
)

// importLegacy brings over an old link of the demo contract with register
// 1:1 feeding cam, as the operator command does.
func (f *smaregiEnv) importLegacy(t *testing.T, token, storeName string) link.Connection {
	t.Helper()
	c, err := f.smaregi.ImportLegacy(context.Background(), f.actor, f.tenant.ID, smaregilink.LegacyImport{
		ContractID: demoContract, AccessToken: token, Memo: "旧システムから",
		Bindings: []smaregilink.LegacyBinding{{StoreID: "1", StoreName: storeName, TerminalID: "1", TerminalName: "レジ1", CameraID: f.cam.ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *smaregiEnv) conn(t *testing.T, id int64) link.Connection {
	t.Helper()
	c, err := f.links.Connection(context.Background(), f.tenant.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Past the cut-over, an old link is 要更新, not polled, shows the notice with
// the steps, and cannot change its terminals; 連携情報修正 with a client ID
// and secret moves it, with its bindings, to the new API.
func TestSmaregiLegacyLinkPastCutover(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.importLegacy(t, f.sims.Info.Smaregi.LegacyAccessToken, "渋谷店")
	if c := f.conn(t, conn.ID); c.Status != link.UpdateRequired || f.smaregi.Pollable(c) || f.smaregi.PhaseOf(c) != smaregilink.PhaseUpdateRequired {
		t.Fatalf("imported past the cut-over: %+v", c)
	}

	_, body := f.c.get("/smaregi")
	wantContains(t, body, "契約ID "+demoContract, "要更新", "アクセストークン *****（旧方式）", "2026年1月24日以降スマレジから明細を取得できません",
		"接続情報の確認手順", "「設定」-「基本情報」", "プラットフォームAPI設定", "urn:ietf:wg:oauth:2.0:oob",
		"「スコープ」タブ", "pos.transactions:read", "pos.stores:read", "渋谷店 / 1", "レジ前カメラ")
	checkPage(t, body)

	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, "カメラと連携済みの端末だけを表示しています", "レジ1", "disabled")
	wantNotContains(t, "the terminal page", body, "端末IDを入力して追加", `class="btn btn-small btn-primary">追加`)
	before := f.linkCounts(t)
	postRefused(t, f.c, connPath(conn.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"2"}, "camera_id": {itoa(f.cam2.ID)},
		"binding": {"0"}}, http.StatusBadRequest, "この連携は要更新です。")

	_, body = f.c.get(connPath(conn.ID, "edit"))
	wantContains(t, body, "連携情報修正", "要更新: スマレジとの明細連携が停止しています", "発行されたクライアントシークレットを入力してください",
		`value="`+demoContract+`"`)
	wantNotContains(t, "the edit page", body, `placeholder="*****"`, f.sims.Info.Smaregi.LegacyAccessToken)
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {f.creds(t).Get("client_id")}}, http.StatusBadRequest,
		"入力してください。")
	wrong := f.creds(t)
	wrong.Set("client_secret", "00"+wrong.Get("client_secret")[2:])
	postRefused(t, f.c, connPath(conn.ID, "edit"), wrong, http.StatusBadRequest, "クライアントIDまたはクライアントシークレットが正しくありません")
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}
	if c := f.conn(t, conn.ID); c.AuthKind != link.LegacyToken {
		t.Fatalf("a refused move changed the link: %+v", c)
	}

	postDone(t, f.c, connPath(conn.ID, "edit"), f.creds(t),
		"契約ID "+demoContract+" を新しい接続情報（クライアントID・クライアントシークレット）に更新しました。端末とカメラの連携はそのままです。")
	c := f.conn(t, conn.ID)
	if c.AuthKind != link.ClientCredentials || c.Status != link.Active || !f.smaregi.Pollable(c) || c.Memo != "本店" {
		t.Fatalf("after the move: %+v", c)
	}
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != "1:1→"+itoa(f.cam.ID) {
		t.Errorf("bindings after the move: %s", got)
	}
	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, "レジ2", "新宿店", "端末IDを入力して追加")
	wantNotContains(t, "the terminal page", body, "要更新")
	// Importing the old token again must not undo the move.
	_, err := f.smaregi.ImportLegacy(context.Background(), f.actor, f.tenant.ID, smaregilink.LegacyImport{
		ContractID: demoContract, AccessToken: f.sims.Info.Smaregi.LegacyAccessToken})
	if !errors.Is(err, smaregilink.ErrAlreadyMigrated) {
		t.Errorf("re-import after the move: %v", err)
	}
}

// Before the cut-over an old link still works: it shows a notice, is
// polled, lists its bound registers with the old API's store names and
// takes a register typed with its store; at the cut-over it turns 要更新.
func TestSmaregiLegacyLinkBeforeAndAtCutover(t *testing.T) {
	f := newSmaregiEnv(t)
	f.simClock.Set(time.Date(2026, 1, 20, 12, 0, 0, 0, jst))
	conn := f.importLegacy(t, f.sims.Info.Smaregi.LegacyAccessToken, "")
	c := f.conn(t, conn.ID)
	if c.Status != link.Active || !f.smaregi.Pollable(c) || f.smaregi.PhaseOf(c) != smaregilink.PhaseLegacy {
		t.Fatalf("before the cut-over: %+v", c)
	}
	_, body := f.c.get("/smaregi")
	wantContains(t, body, "旧方式・要更新（2026年1月24日まで利用可）", "接続情報の更新が必要です", "店舗ID 1 / 1",
		"2026年1月24日以降、スマレジと連携する場合は「契約ID」「クライアントID」「クライアントシークレット」による接続情報への更新が必要です")
	checkPage(t, body)

	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, "旧方式の連携では、スマレジから端末の一覧を取得できません", "渋谷店", "レジ1", "端末IDを入力して追加",
		`<option value="2">新宿店</option>`, "店舗のみ確認します")
	checkPage(t, body)
	postRefused(t, f.c, connPath(conn.ID, "bind"), url.Values{"typed": {"1"}, "store_id": {"5"}, "terminal_id": {"1"},
		"camera_id": {itoa(f.cam2.ID)}}, http.StatusBadRequest, "店舗（店舗ID 5）がこの契約に見つかりません")
	postDone(t, f.c, connPath(conn.ID, "bind"), url.Values{"typed": {"1"}, "store_id": {"2"}, "terminal_id": {"1"},
		"camera_id": {itoa(f.cam2.ID)}}, "新宿店 / 端末ID 1 をカメラ「入口カメラ」と連携しました。")

	// The background job stores the store names the old API reports.
	f.smaregi.RefreshNames(t.Context())

	// The cut-over comes: the pages say so at once, the job stores it.
	f.simClock.Set(time.Date(2026, 1, 24, 0, 0, 0, 0, jst))
	if c := f.conn(t, conn.ID); f.smaregi.Pollable(c) {
		t.Errorf("polled at the cut-over: %+v", c)
	}
	_, body = f.c.get("/smaregi")
	wantContains(t, body, "要更新", "要更新: スマレジとの明細連携が停止しています", "渋谷店 / 1", "新宿店 / 1")
	if n, err := f.smaregi.MarkRetiredLegacyLinks(t.Context()); n != 1 || err != nil {
		t.Errorf("marked %d (%v)", n, err)
	}
	c = f.conn(t, conn.ID)
	if c.Status != link.UpdateRequired {
		t.Errorf("not marked at the cut-over: %+v", c)
	}
	if a := f.auditLog(t)[0]; a.Action != "link.status" || a.Actor.Label != "system:smaregi" {
		t.Errorf("audit entry %+v", a)
	}
	postRefused(t, f.c, connPath(conn.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"2"}, "camera_id": {itoa(f.cam2.ID)},
		"binding": {"0"}}, http.StatusBadRequest, "この連携は要更新です。")
	// Still movable with all its bindings.
	postDone(t, f.c, connPath(conn.ID, "edit"), f.creds(t), "新しい接続情報")
	want := "1:1→" + itoa(f.cam.ID) + " 2:1→" + itoa(f.cam2.ID)
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != want {
		t.Errorf("bindings after the move: %s, want %s", got, want)
	}
}

// An old link whose token Smaregi refuses before the cut-over says so, and
// the background job makes it 要更新.
func TestSmaregiLegacyLinkWithRefusedToken(t *testing.T) {
	f := newSmaregiEnv(t)
	f.simClock.Set(time.Date(2026, 1, 20, 12, 0, 0, 0, jst))
	conn := f.importLegacy(t, "0000000000000000000000000000dead", "")
	_, body := f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, "アクセストークンがスマレジに受け付けられませんでした", "レジ1", "要更新")
	f.smaregi.RefreshNames(t.Context())
	if c := f.conn(t, conn.ID); c.Status != link.UpdateRequired || f.smaregi.Pollable(c) {
		t.Errorf("after the refusal: %+v", c)
	}
}

// The demo's old link: seeded once, with its binding, and left alone by a
// second run (or once the visitor has moved it).
func TestSeedLegacySmaregi(t *testing.T) {
	e := newEnv(t)
	seeded, err := demo.Seed(t.Context(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	info := e.sims.Info.Smaregi
	for range 2 {
		if err := demo.SeedLegacySmaregi(t.Context(), e.smaregi, e.store, seeded.TenantID, info.ContractID, info.LegacyAccessToken); err != nil {
			t.Fatal(err)
		}
	}
	conns, err := e.links.Connections(t.Context(), seeded.TenantID, link.Smaregi)
	if err != nil || len(conns) != 1 || conns[0].AuthKind != link.LegacyToken || conns[0].CredentialsVersion != 1 {
		t.Fatalf("seeded %+v (%v)", conns, err)
	}
	cam, _ := e.store.CameraByDeviceID(t.Context(), "demo-cam-register")
	if got := e.bindings(t, seeded.TenantID, conns[0].ID); got != "1:1→"+itoa(cam.ID) {
		t.Errorf("seeded bindings %s", got)
	}
	if e.smaregi.PhaseOf(conns[0]) != smaregilink.PhaseUpdateRequired {
		t.Errorf("the demo's old link past the cut-over is %s", e.smaregi.PhaseOf(conns[0]))
	}
	if err := demo.SeedLegacySmaregi(t.Context(), e.smaregi, e.store, seeded.TenantID+1000, info.ContractID, info.LegacyAccessToken); err == nil {
		t.Error("seeded for a tenant without the demo camera")
	}
}
