package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/demo"
	"github.com/poslink/poslink/internal/link"
)

// In Chromium, the demo owner adds the demo contract with its client ID and
// secret (a wrong secret first), sees its registers, binds two to cameras,
// then — the secret reissued at Smaregi — does 連携情報修正 with the new
// secret; the bindings stay.
func TestBrowserSmaregiAddBindAndEdit(t *testing.T) {
	e := newEnv(t)
	seeded, err := demo.Seed(t.Context(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sims.Smaregi.SetRateLimit(demoContract, -1); err != nil {
		t.Fatal(err)
	}
	info := e.sims.Info.Smaregi
	ctx := browsertest.New(t)
	browserLogin(t, ctx, e.srv.URL)

	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/smaregi"); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "empty")
	if _, err := browsertest.Submit(ctx, `a[href="/smaregi/new"]`); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-smaregi-contract_id", info.ContractID))
	must(t, browsertest.Fill(ctx, "#f-smaregi-client_id", info.ClientID))
	must(t, browsertest.Fill(ctx, "#f-smaregi-client_secret", "0000-not-the-secret"))
	must(t, browsertest.Fill(ctx, "#f-smaregi-memo", "渋谷・新宿の2店舗"))
	if _, err := browsertest.Submit(ctx, "form.stacked button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	msg, err := browsertest.Text(ctx, ".flash-error")
	if err != nil || !strings.Contains(msg, "クライアントIDまたはクライアントシークレットが正しくありません") {
		t.Fatalf("wrong secret message %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "wrong-secret")

	must(t, browsertest.Fill(ctx, "#f-smaregi-client_secret", info.ClientSecret))
	if _, err := browsertest.Submit(ctx, "form.stacked button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	table, err := browsertest.Text(ctx, "table.data tbody")
	if err != nil || !strings.Contains(table, "渋谷店") || !strings.Contains(table, "新宿店") || !strings.Contains(table, "レジ2") {
		t.Fatalf("terminals %q (%v)", table, err)
	}
	browsertest.Screenshot(t, ctx, "terminals")

	cams := map[string]int64{}
	all, _ := e.store.Cameras(context.Background(), seeded.TenantID)
	for _, c := range all {
		cams[c.DeviceID] = c.ID
	}
	must(t, browsertest.Fill(ctx, "#bind-1-1-camera", itoa(cams["demo-cam-register"])))
	if _, err := browsertest.Submit(ctx, "#bind-1-1 button"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#bind-2-1-camera", itoa(cams["demo-cam-entrance"])))
	if _, err := browsertest.Submit(ctx, "#bind-2-1 button"); err != nil {
		t.Fatal(err)
	}
	flash, err := browsertest.Text(ctx, ".flash-ok")
	if err != nil || !strings.Contains(flash, "新宿店 / 端末ID 1 をカメラ「入口カメラ」と連携しました") {
		t.Fatalf("flash after binding %q (%v)", flash, err)
	}
	browsertest.Screenshot(t, ctx, "bound")

	// A register typed by an ID the contract does not have.
	must(t, browsertest.Fill(ctx, "#f-typed-store_id", "1"))
	must(t, browsertest.Fill(ctx, "#f-typed-terminal_id", "9"))
	must(t, browsertest.Fill(ctx, "#f-typed-camera_id", itoa(cams["demo-cam-entrance"])))
	if _, err := browsertest.Submit(ctx, "#typed button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	msg, err = browsertest.Text(ctx, "#typed .flash-error")
	if err != nil || !strings.Contains(msg, "端末ID「9」の端末が、この契約の店舗「渋谷店」に見つかりません") {
		t.Fatalf("unknown terminal message %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "unknown-terminal")

	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/smaregi"); err != nil {
		t.Fatal(err)
	}
	rows, err := browsertest.Text(ctx, "table.data tbody")
	if err != nil || !strings.Contains(rows, "渋谷店 / 1") || !strings.Contains(rows, "レジ前カメラ") || !strings.Contains(rows, "新宿店 / 1") {
		t.Fatalf("list rows %q (%v)", rows, err)
	}
	browsertest.Screenshot(t, ctx, "list")

	// The secret is reissued at Smaregi: the stored one stops working.
	newSecret, err := e.sims.Smaregi.ReissueSecret(demoContract)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Submit(ctx, `a[href$="/edit"]`); err != nil {
		t.Fatal(err)
	}
	placeholder, err := browsertest.Text(ctx, "#f-smaregi-client_secret + .hint")
	if err != nil || !strings.Contains(placeholder, "空欄") {
		t.Fatalf("secret hint %q (%v)", placeholder, err)
	}
	browsertest.Screenshot(t, ctx, "edit")
	must(t, browsertest.Fill(ctx, "#f-smaregi-client_secret", newSecret))
	if _, err := browsertest.Submit(ctx, "form.stacked button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	flash, err = browsertest.Text(ctx, ".flash-ok")
	if err != nil || !strings.Contains(flash, "連携情報を修正しました") {
		t.Fatalf("flash after edit %q (%v)", flash, err)
	}
	rows, _ = browsertest.Text(ctx, "table.data tbody")
	if !strings.Contains(rows, "渋谷店 / 1") || !strings.Contains(rows, "新宿店 / 1") {
		t.Fatalf("bindings lost after edit: %q", rows)
	}
	browsertest.Screenshot(t, ctx, "edited")
	conns, err := e.links.Connections(context.Background(), seeded.TenantID, link.Smaregi)
	if err != nil || len(conns) != 1 || conns[0].CredentialsVersion != 2 {
		t.Fatalf("connection after edit %+v (%v)", conns, err)
	}
	if got := e.bindings(t, seeded.TenantID, conns[0].ID); got != "1:1→"+itoa(cams["demo-cam-register"])+" 2:1→"+itoa(cams["demo-cam-entrance"]) {
		t.Errorf("bindings after edit %s", got)
	}
	if _, err := browsertest.Navigate(ctx, e.srv.URL+connPath(conns[0].ID, "")); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "terminals-after-edit")

	// Delete, as the manuals do: tick a row, the trash icon, confirm.
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/smaregi"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Click(ctx, `input[name="terminal"][value="2:1"]`))
	if _, err := browsertest.Submit(ctx, `form[action$="/unbind"] button.btn-danger`); err != nil {
		t.Fatal(err)
	}
	confirm, err := browsertest.Text(ctx, "main .card")
	if err != nil || !strings.Contains(confirm, "次の連携設定を削除します") || !strings.Contains(confirm, "新宿店 / 1") || strings.Contains(confirm, "渋谷店") {
		t.Fatalf("confirmation %q (%v)", confirm, err)
	}
	browsertest.Screenshot(t, ctx, "delete-confirm")
	if _, err := browsertest.Submit(ctx, `main form[method="post"] button.btn-danger`); err != nil {
		t.Fatal(err)
	}
	if flash, _ := browsertest.Text(ctx, ".flash-ok"); !strings.Contains(flash, "1 件の連携設定を削除しました") {
		t.Fatalf("flash after delete %q", flash)
	}
	if got := e.bindings(t, seeded.TenantID, conns[0].ID); got != "1:1→"+itoa(cams["demo-cam-register"]) {
		t.Errorf("bindings after delete %s", got)
	}
	browsertest.Screenshot(t, ctx, "deleted")
}

// The demo's link on the old access token shows the notice with the 2026
// steps; the owner moves it to client credentials on the same screen.
func TestBrowserSmaregiLegacyNoticeAndMove(t *testing.T) {
	e := newEnv(t)
	seeded, err := demo.Seed(t.Context(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sims.Smaregi.SetRateLimit(demoContract, -1); err != nil {
		t.Fatal(err)
	}
	info := e.sims.Info.Smaregi
	if err := demo.SeedLegacySmaregi(t.Context(), e.smaregi, e.store, seeded.TenantID, info.ContractID, info.LegacyAccessToken); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	browserLogin(t, ctx, e.srv.URL)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/smaregi"); err != nil {
		t.Fatal(err)
	}
	notice, err := browsertest.Text(ctx, ".card [role=note]")
	if err != nil || !strings.Contains(notice, "2026年1月24日") || !strings.Contains(notice, "スコープ") {
		t.Fatalf("notice %q (%v)", notice, err)
	}
	browsertest.Screenshot(t, ctx, "legacy-list")
	if _, err := browsertest.Submit(ctx, `.card [role=note] a[href$="/edit"]`); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "legacy-edit")
	must(t, browsertest.Fill(ctx, "#f-smaregi-client_id", info.ClientID))
	must(t, browsertest.Fill(ctx, "#f-smaregi-client_secret", info.ClientSecret))
	if _, err := browsertest.Submit(ctx, "form.stacked button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	flash, err := browsertest.Text(ctx, ".flash-ok")
	if err != nil || !strings.Contains(flash, "新しい接続情報") {
		t.Fatalf("flash after the move %q (%v)", flash, err)
	}
	rows, _ := browsertest.Text(ctx, "table.data tbody")
	if !strings.Contains(rows, "渋谷店 / 1") || !strings.Contains(rows, "レジ前カメラ") {
		t.Fatalf("binding lost in the move: %q", rows)
	}
	browsertest.Screenshot(t, ctx, "legacy-moved")
}

func browserLogin(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	if _, err := browsertest.Navigate(ctx, base+"/login"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", demo.OwnerEmail))
	must(t, browsertest.Fill(ctx, "#f-password", demo.OwnerPassword))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
}
