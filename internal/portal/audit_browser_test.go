package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/browsertest"
)

// auditBrowserLogin logs in through the login page in Chromium.
func auditBrowserLogin(t *testing.T, ctx context.Context, base, email, pw string) {
	t.Helper()
	if _, err := browsertest.Navigate(ctx, base+"/login"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", email))
	must(t, browsertest.Fill(ctx, "#f-password", pw))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
}

// Staff narrow the 監査ログ by a tenant's name and an action in Chromium
// and read support's rebind as a sentence with its address and reason;
// a date range the wrong way round is refused on the form. The owner
// reads the same change in 操作履歴 as support's, with the reason.
func TestBrowserAuditLogs(t *testing.T) {
	f := newOwnerAuditEnv(t)
	base := f.srv.URL

	staff := browsertest.New(t)
	auditBrowserLogin(t, staff, base, staffEmail, staffPW)
	if _, err := browsertest.Navigate(staff, base+"/support/audit"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(staff, "#f-tenant_name", "スマレジ"))
	must(t, browsertest.Fill(staff, "#f-action", "link.bind"))
	if _, err := browsertest.Submit(staff, "form[role=search] button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	rows, err := browsertest.Text(staff, "table.data tbody")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"紐づけ先のカメラを変更しました：カメラ「レジ前カメラ」 → カメラ「入口カメラ」",
		staffEmail, "198.51.100.9", "スマレジの店", "お客様から電話で依頼（チケット 1234）", "をカメラ「レジ前カメラ」に紐づけました。"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the filtered log lacks %q:\n%s", want, rows)
		}
	}
	if strings.Contains(rows, "を連携しました") || strings.Contains(rows, "よその店") {
		t.Errorf("the filter lets other entries through:\n%s", rows)
	}
	browsertest.Screenshot(t, staff, "staff-filtered")

	must(t, browsertest.Fill(staff, "#f-from", "2026-11-23"))
	must(t, browsertest.Fill(staff, "#f-to", "2026-11-22"))
	if _, err := browsertest.Submit(staff, "form[role=search] button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	msg, err := browsertest.Text(staff, "#f-to-err")
	if err != nil || msg != "終了日は開始日と同じか、それより後の日付にしてください。" {
		t.Errorf("range message %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, staff, "staff-refused")

	owner := browsertest.New(t)
	auditBrowserLogin(t, owner, base, ownerEmail, ownerPW)
	if _, err := browsertest.Navigate(owner, base+"/audit"); err != nil {
		t.Fatal(err)
	}
	h1, _ := browsertest.Text(owner, "main h1")
	rows, err = browsertest.Text(owner, "table.data tbody")
	if err != nil || h1 != "操作履歴" {
		t.Fatalf("owner's page %q: %v", h1, err)
	}
	for _, want := range []string{"サポート", "お客様から電話で依頼（チケット 1234）", "カメラ「レジ前カメラ」 → カメラ「入口カメラ」", ownerEmail} {
		if !strings.Contains(rows, want) {
			t.Errorf("the owner's log lacks %q:\n%s", want, rows)
		}
	}
	if strings.Contains(rows, staffEmail) || strings.Contains(rows, "198.51.100.9") {
		t.Errorf("the owner's log shows staff's records:\n%s", rows)
	}
	browsertest.Screenshot(t, owner, "owner")
}
