package portal_test

import (
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/browsertest"
)

// In Chromium, staff find the tenant by the 端末ID a customer reads out
// (typed in full width), open its page, and re-queue its stopped link
// with a reason, after being told the reason is required.
func TestBrowserStaffFindsByTerminalAndRequeues(t *testing.T) {
	f := newSearchEnv(t)
	f.stopPolling(t, f.connID)
	ctx := browsertest.New(t)
	if _, err := browsertest.Navigate(ctx, f.srv.URL+"/login"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", staffEmail))
	must(t, browsertest.Fill(ctx, "#f-password", staffPW))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-search-q", "１：２"))
	if _, err := browsertest.Submit(ctx, `form[role="search"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	results, err := browsertest.Text(ctx, "#search-results tbody")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"端末ID", "完全一致", "1:2", "スマレジの店", "スマレジ " + demoContract + " の端末", "POS連携を表示"} {
		if !strings.Contains(results, want) {
			t.Errorf("results lack %q:\n%s", want, results)
		}
	}
	browsertest.Screenshot(t, ctx, "support-search-terminal")

	if _, err := browsertest.Navigate(ctx, f.srv.URL+tenantPath(f.tenant.ID)); err != nil {
		t.Fatal(err)
	}
	button := `form[action$="/requeue"] button[type=submit]`
	if _, err := browsertest.Submit(ctx, button); err != nil {
		t.Fatal(err)
	}
	if msg, err := browsertest.Text(ctx, "#links .field-error"); err != nil || msg != "入力してください。" {
		t.Fatalf("requeue without a reason: %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "support-requeue-no-reason")
	must(t, browsertest.Fill(ctx, `form[action$="/requeue"] input[name="reason"]`, "お客様から電話: 売上が出ない"))
	if _, err := browsertest.Submit(ctx, button); err != nil {
		t.Fatal(err)
	}
	if msg, err := browsertest.Text(ctx, ".flash"); err != nil || !strings.Contains(msg, "今すぐ取得するよう設定しました") {
		t.Fatalf("after the requeue: %q (%v)", msg, err)
	}
	browsertest.Screenshot(t, ctx, "support-requeue-done")
	if n := len(f.requeues(t)); n != 1 {
		t.Errorf("%d re-queue entries, want 1", n)
	}
}
