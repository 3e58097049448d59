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

// In Chromium, the scenario: staff find the tenant by the 端末ID a
// customer reads out on the phone (typed in full width), open its links,
// try a rebind without a reason (told to give one), rebind register 1
// with a reason and delete register 2's link with the row's other button.
// The owner's POSレジ連携一覧 shows the result, and both audit views show
// the rebind as a sentence with its reason — the staff's with the address
// it came from. Screenshots of each step.
func TestBrowserStaffRebindsWithAReason(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	sm11, sm12 := e.seenOf(t, f.sm.ID, "1:1"), e.seenOf(t, f.sm.ID, "1:2")
	staff := browserLoginAs(t, e, staffEmail, staffPW)
	must(t, browsertest.Fill(staff, "#f-search-q", "１：１"))
	if _, err := browsertest.Submit(staff, `form[role="search"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	results, err := browsertest.Text(staff, "#search-results tbody")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(results, "連携一覧の店") || !strings.Contains(results, "端末ID") {
		t.Fatalf("searching the 端末ID does not find the tenant:\n%s", results)
	}
	browsertest.Screenshot(t, staff, "staff-search-terminal")
	if _, err := browsertest.Submit(staff, `#search-results a[href="`+tenantPath(f.tenant.ID)+`/links"]`); err != nil {
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

	// Both audit views tell the rebind in words, with the reason; only
	// staff see the address.
	if _, err := browsertest.Navigate(owner, e.srv.URL+"/audit"); err != nil {
		t.Fatal(err)
	}
	ownerLog, err := browsertest.Text(owner, "table.data tbody")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ownerLog, "入口カメラ") || !strings.Contains(ownerLog, staffReason) ||
		!strings.Contains(ownerLog, "サポート") || strings.Contains(ownerLog, "127.0.0.1") || strings.Contains(ownerLog, staffEmail) {
		t.Errorf("the owner's 操作履歴:\n%s", ownerLog)
	}
	browsertest.Screenshot(t, owner, "owner-audit")
	if _, err := browsertest.Navigate(staff, e.srv.URL+"/support/audit?tenant="+itoa(f.tenant.ID)); err != nil {
		t.Fatal(err)
	}
	staffLog, err := browsertest.Text(staff, "table.data tbody")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(staffLog, "入口カメラ") || !strings.Contains(staffLog, staffReason) ||
		!strings.Contains(staffLog, "127.0.0.1") || !strings.Contains(staffLog, staffEmail) {
		t.Errorf("the staff's 監査ログ:\n%s", staffLog)
	}
	browsertest.Screenshot(t, staff, "staff-audit")
}
