package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/browsertest"
)

// browserLoginAs logs in through the login page in a new tab.
func browserLoginAs(t *testing.T, e *env, email, pw string) context.Context {
	t.Helper()
	ctx := browsertest.New(t)
	if _, err := browsertest.Navigate(ctx, e.srv.URL+"/login"); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(ctx, "#f-email", email))
	must(t, browsertest.Fill(ctx, "#f-password", pw))
	if _, err := browsertest.Submit(ctx, "button[type=submit].btn-primary"); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// In Chromium: staff open a tenant's links from its page, try a rebind
// without a reason (told to give one), rebind register 1 with a reason
// and delete register 2's link with the row's other button; the owner's
// POSレジ連携一覧 shows the result. Screenshots of each step.
func TestBrowserStaffRebindsWithAReason(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	sm11, sm12 := e.seenOf(t, f.sm.ID, "1:1"), e.seenOf(t, f.sm.ID, "1:2")
	staff := browserLoginAs(t, e, staffEmail, staffPW)
	if _, err := browsertest.Navigate(staff, e.srv.URL+tenantPath(f.tenant.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Submit(staff, `a[href$="/links"]`); err != nil {
		t.Fatal(err)
	}
	if h1, _ := browsertest.Text(staff, "main h1"); h1 != "連携一覧の店 のPOSレジ連携" {
		t.Fatalf("staff links page h1 %q", h1)
	}
	browsertest.Screenshot(t, staff, "staff-links")

	row := "#binding-" + sm11
	must(t, browsertest.Fill(staff, row+" select[name=camera]", itoa(f.camB.ID)))
	if _, err := browsertest.Submit(staff, row+" button.btn-primary"); err != nil {
		t.Fatal(err)
	}
	if msg, _ := browsertest.Text(staff, row+" .field-error"); msg != "理由を入力してください。" {
		t.Fatalf("without a reason: %q", msg)
	}
	browsertest.Screenshot(t, staff, "staff-links-no-reason")

	must(t, browsertest.Fill(staff, row+" select[name=camera]", itoa(f.camB.ID)))
	must(t, browsertest.Fill(staff, row+" input[name=reason]", staffReason))
	if _, err := browsertest.Submit(staff, row+" button.btn-primary"); err != nil {
		t.Fatal(err)
	}
	if msg, _ := browsertest.Text(staff, ".flash-ok"); msg != "端末「レジ1」を 入口カメラ に再連携しました。" {
		t.Fatalf("after the rebind: %q", msg)
	}
	browsertest.Screenshot(t, staff, "staff-links-rebound")

	row = "#binding-" + sm12
	must(t, browsertest.Fill(staff, row+" input[name=reason]", staffReason))
	if _, err := browsertest.Submit(staff, row+" button.btn-danger"); err != nil {
		t.Fatal(err)
	}
	if msg, _ := browsertest.Text(staff, ".flash-ok"); msg != "端末の連携を削除しました。" {
		t.Fatalf("after the delete: %q", msg)
	}
	if got := e.bindings(t, f.tenant.ID, f.sm.ID); got != "1:1→"+itoa(f.camB.ID) {
		t.Fatalf("bindings %s", got)
	}

	owner := browserLoginAs(t, e, ownerEmail, ownerPW)
	if _, err := browsertest.Navigate(owner, e.srv.URL+"/links"); err != nil {
		t.Fatal(err)
	}
	table, err := browsertest.Text(owner, "table.links-overview tbody")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "入口カメラ (CC-2L_SF : cam-entrance)") || strings.Contains(table, "レジ2") {
		t.Errorf("the owner's overview:\n%s", table)
	}
	browsertest.Screenshot(t, owner, "owner-links")
}
