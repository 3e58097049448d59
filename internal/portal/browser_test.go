package portal_test

import (
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/demo"
)

// The demo owner logs in through the real login page in Chromium and sees
// their cameras with the state of each POS option.
func TestBrowserDemoOwnerLogsInAndSeesCameras(t *testing.T) {
	e := newEnv(t)
	if _, err := demo.Seed(t.Context(), e.store); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	title, err := browsertest.Text(ctx, ".login-card h1")
	if err != nil || title != "カメラ - POS 認証連携ポータル" {
		t.Fatalf("login page title %q (%v)", title, err)
	}
	browsertest.Screenshot(t, ctx, "login")

	// A wrong password first: the message, and still on the login page.
	must(t, browsertest.Fill(ctx, "#f-email", demo.OwnerEmail))
	must(t, browsertest.Fill(ctx, "#f-password", "wrong-password"))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	msg, err := browsertest.Text(ctx, ".flash-error")
	if err != nil || !strings.Contains(msg, "メールアドレスまたはパスワードが正しくありません") {
		t.Fatalf("wrong password message %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "login-failed")

	must(t, browsertest.Fill(ctx, "#f-email", demo.OwnerEmail))
	must(t, browsertest.Fill(ctx, "#f-password", demo.OwnerPassword))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	h1, err := browsertest.Text(ctx, "main h1")
	if err != nil || h1 != "カメラ一覧" {
		t.Fatalf("after login h1 %q (%v)", h1, err)
	}
	table, err := browsertest.Text(ctx, "table.data tbody")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"レジ前カメラ", "入口カメラ", "バックヤードカメラ", "利用可能", "2026/11/26 から利用可能"} {
		if !strings.Contains(table, want) {
			t.Errorf("camera list lacks %q:\n%s", want, table)
		}
	}
	browsertest.Screenshot(t, ctx, "cameras")

	// Switch to English with the header's switch; the choice sticks.
	if _, err := browsertest.Submit(ctx, `.lang-switch button[value="en"]`); err != nil {
		t.Fatal(err)
	}
	if h1, _ := browsertest.Text(ctx, "main h1"); h1 != "Cameras" {
		t.Fatalf("after switching to English h1 %q", h1)
	}
	browsertest.Screenshot(t, ctx, "cameras-en")

	if _, err := browsertest.Submit(ctx, ".user-menu form.inline button"); err != nil {
		t.Fatal(err)
	}
	if msg, _ := browsertest.Text(ctx, ".flash"); msg != "You have logged out." {
		t.Fatalf("after logout flash %q", msg)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Support staff log in, find the demo tenant, add a camera (a mistyped
// device ID first) and switch its POS option on.
func TestBrowserStaffSetsUpACamera(t *testing.T) {
	e := newEnv(t)
	seeded, err := demo.Seed(t.Context(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/login"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", demo.StaffEmail))
	must(t, browsertest.Fill(ctx, "#f-password", demo.StaffPassword))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	list, err := browsertest.Text(ctx, "table.data tbody")
	if err != nil || !strings.Contains(list, demo.TenantName) {
		t.Fatalf("tenant list %q (%v)", list, err)
	}
	browsertest.Screenshot(t, ctx, "tenants")

	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/support/tenants/"+itoa(seeded.TenantID)); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-camera-device_id", "bad id!"))
	must(t, browsertest.Fill(ctx, "#f-camera-name", "2F フロアカメラ"))
	if _, err := browsertest.Submit(ctx, `form[action$="/cameras"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	msg, err := browsertest.Text(ctx, "#f-camera-device_id-err")
	if err != nil || !strings.Contains(msg, "デバイスIDは英数字") {
		t.Fatalf("bad device ID message %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "camera-bad-device-id")

	must(t, browsertest.Fill(ctx, "#f-camera-device_id", "floor-2f"))
	if _, err := browsertest.Submit(ctx, `form[action$="/cameras"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	cams, err := browsertest.Text(ctx, "#cameras table.data tbody")
	if err != nil || !strings.Contains(cams, "2F フロアカメラ") || !strings.Contains(cams, "未契約") {
		t.Fatalf("cameras after adding %q (%v)", cams, err)
	}
	browsertest.Screenshot(t, ctx, "tenant")

	cam, err := e.store.CameraByDeviceID(t.Context(), "floor-2f")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/support/tenants/"+itoa(seeded.TenantID)+"/cameras/"+itoa(cam.ID)); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Click(ctx, `input[name="pos"][value="on"]`))
	if _, err := browsertest.Submit(ctx, `form[action$="/pos"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	// Back on the tenant's page; the date field defaulted to the fourth day
	// from today.
	flash, err := browsertest.Text(ctx, ".flash-ok")
	if err != nil || !strings.Contains(flash, "2F フロアカメラ") || !strings.Contains(flash, "2026/11/26") {
		t.Fatalf("flash after switching on %q (%v)", flash, err)
	}
	row, err := browsertest.Text(ctx, "#cameras table.data tbody tr:nth-child(4)")
	if err != nil || !strings.Contains(row, "floor-2f") || !strings.Contains(row, "2026/11/26 から利用可能") {
		t.Fatalf("camera row %q (%v)", row, err)
	}
	browsertest.Screenshot(t, ctx, "camera-pos-on")
}
