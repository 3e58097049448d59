package portal_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/sim/sandbox"
)

// The owner links the demo Ubiregi account in Chromium through the
// simulator's real consent page, binds two registers to one camera and the
// third to another, deletes one link with the checkbox and the trash icon,
// and later, Ubiregi's permission withdrawn, sees 要再認証.
func TestBrowserUbiregiLinkAndBind(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "カフェ・ド・ポス")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	camA := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -3))
	camB := e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow)
	e.camera(t, tn.ID, "cam-home", "自宅カメラ", testNow.AddDate(0, 0, 3))

	ctx := browsertest.New(t)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/login?next=%2Fubiregi"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", ownerEmail))
	must(t, browsertest.Fill(ctx, "#f-password", ownerPW))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	if h1, _ := browsertest.Text(ctx, "main h1"); h1 != "Ubiregi連携設定" {
		t.Fatalf("after login h1 %q", h1)
	}
	browsertest.Screenshot(t, ctx, "1-settings-empty")

	// Ubiregi OAuth2 連携 → Ubiregi's consent page.
	if _, err := browsertest.Submit(ctx, "#ubiregi-connect"); err != nil {
		t.Fatal(err)
	}
	q, err := browsertest.Text(ctx, "h1.question")
	if err != nil || !strings.Contains(q, "あなたのアカウントにアクセスすることを許可しますか") {
		t.Fatalf("consent page question %q (%v)", q, err)
	}
	must(t, browsertest.Fill(ctx, `input[name="login"]`, sandbox.UbiregiLogin))
	must(t, browsertest.Fill(ctx, `input[name="password"]`, sandbox.UbiregiPassword))
	browsertest.Screenshot(t, ctx, "2-ubiregi-consent")
	if _, err := browsertest.Submit(ctx, `button[value="allow"]`); err != nil {
		t.Fatal(err)
	}

	// Back on the portal: the account's three registers.
	flash, err := browsertest.Text(ctx, ".flash-ok")
	if err != nil || !strings.Contains(flash, "デモ店舗（ユビレジ）") {
		t.Fatalf("flash after consent %q (%v)", flash, err)
	}
	rows, err := browsertest.Text(ctx, ".ubiregi-account table.data tbody")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"レジ1", "レジ2", "レジ3", itoa(e.sims.Info.Ubiregi.AccountID)} {
		if !strings.Contains(rows, want) {
			t.Errorf("terminal rows lack %q:\n%s", want, rows)
		}
	}
	browsertest.Screenshot(t, ctx, "3-terminals")

	row := func(n int) string { return ".ubiregi-account tbody tr:nth-child(" + itoa(int64(n)) + ")" }
	for _, b := range []struct {
		n     int
		camID int64
		name  string
	}{{1, camA.ID, "レジ前カメラ"}, {2, camA.ID, "レジ前カメラ"}, {3, camB.ID, "入口カメラ"}} {
		must(t, browsertest.Fill(ctx, row(b.n)+" select", itoa(b.camID)))
		if _, err := browsertest.Submit(ctx, row(b.n)+` button[type="submit"]`); err != nil {
			t.Fatal(err)
		}
		flash, err := browsertest.Text(ctx, ".flash-ok")
		if err != nil || !strings.Contains(flash, "レジ"+itoa(int64(b.n))) || !strings.Contains(flash, b.name) {
			t.Fatalf("flash after 更新 on row %d: %q (%v)", b.n, flash, err)
		}
	}
	for n, want := range map[int]string{1: "レジ前カメラ", 2: "レジ前カメラ", 3: "入口カメラ"} {
		got, err := ubChosen(ctx, row(n)+" select")
		if err != nil || !strings.HasPrefix(got, want) {
			t.Errorf("row %d shows camera %q (%v), want %s", n, got, err, want)
		}
	}
	conn := e.ubConnection(t, tn.ID)
	if got := e.ubBindings(t, tn.ID, conn.ID); len(got) != 3 {
		t.Fatalf("bindings in the database: %v", got)
	}
	browsertest.Screenshot(t, ctx, "4-bound")

	// Delete the link of register 3: its checkbox, the trash icon, confirm.
	must(t, browsertest.Click(ctx, row(3)+` input[type="checkbox"]`))
	if _, err := browsertest.Submit(ctx, `form[id^="unbind-"] button`); err != nil {
		t.Fatal(err)
	}
	if h1, _ := browsertest.Text(ctx, "main h1"); h1 != "連携設定の削除" {
		t.Fatalf("confirmation h1 %q", h1)
	}
	browsertest.Screenshot(t, ctx, "5-delete-confirm")
	if _, err := browsertest.Submit(ctx, `main form button.btn-danger`); err != nil {
		t.Fatal(err)
	}
	if flash, _ := browsertest.Text(ctx, ".flash-ok"); !strings.Contains(flash, "1件の連携設定を削除しました") {
		t.Fatalf("flash after delete %q", flash)
	}
	if got := e.ubBindings(t, tn.ID, conn.ID); len(got) != 2 {
		t.Fatalf("bindings after the delete: %v", got)
	}
	browsertest.Screenshot(t, ctx, "6-deleted")

	// The permission withdrawn at Ubiregi: 要再認証 and a button to consent again.
	e.sims.Ubiregi.RevokeAccount(e.sims.Info.Ubiregi.AccountID)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/ubiregi"); err != nil {
		t.Fatal(err)
	}
	badge, err := browsertest.Text(ctx, ".ubiregi-account .badge-danger")
	if err != nil || badge != "要再認証" {
		t.Fatalf("badge %q (%v)", badge, err)
	}
	browsertest.Screenshot(t, ctx, "7-reauth")
	if _, err := browsertest.Submit(ctx, `.ubiregi-account form[action="/ubiregi/connect"] button`); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, `input[name="password"]`, sandbox.UbiregiPassword))
	must(t, browsertest.Fill(ctx, `input[name="login"]`, sandbox.UbiregiLogin))
	if _, err := browsertest.Submit(ctx, `button[value="allow"]`); err != nil {
		t.Fatal(err)
	}
	if badge, _ := browsertest.Text(ctx, ".ubiregi-account h2 .badge"); badge != "連携中" {
		t.Fatalf("after consenting again the badge is %q", badge)
	}
	if got, err := ubChosen(ctx, row(1)+" select"); err != nil || !strings.HasPrefix(got, "レジ前カメラ") {
		t.Fatalf("row 1 after consenting again shows %q (%v)", got, err)
	}
	browsertest.Screenshot(t, ctx, "8-relinked")
}

// ubChosen is the text of the option chosen in the select that sel matches.
func ubChosen(ctx context.Context, sel string) (string, error) {
	selJSON, _ := json.Marshal(sel)
	return chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+string(selJSON)+`).selectedOptions[0]?.text ?? ""`))
}
