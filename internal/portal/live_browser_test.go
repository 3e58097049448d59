package portal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/dashboard/dashtest"
)

// In Chromium, a sale the open dashboard shows that is cancelled later
// turns into キャンセル in its place without a reload, marked as changed; a
// change of an older sale the page does not show is not put at the top as
// if it were new, while a new sale after it is.
func TestBrowserDashboardLiveChange(t *testing.T) {
	fx := newDashFixture(t)
	// Sold before the page's range: not on the page.
	old := fx.txn(t, testNow.AddDate(0, 0, -4).Add(time.Hour), "payment", "R-OLD", "山本", 700)
	b := browsertest.New(t)
	auditBrowserLogin(t, b, fx.e.srv.URL, ownerEmail, ownerPW)
	if _, err := browsertest.Navigate(b, fx.e.srv.URL+fx.path("")); err != nil {
		t.Fatal(err)
	}
	payRow := "table.dash-list tbody tr#txn-" + itoa(fx.pay)
	if got, err := browsertest.Text(b, payRow+":first-child.dash-row-payment"); err != nil || !strings.Contains(got, "支払い") {
		t.Fatalf("the payment shown: %q, %v", got, err)
	}

	dashtest.Revise(t, fx.e.pool, fx.pay, false, "cancel", 1200)
	got, err := browsertest.Text(b, payRow+":first-child.dash-row-cancel.live-changed")
	if err != nil {
		t.Fatalf("the payment did not turn into a cancel in its place: %v", err)
	}
	for _, want := range []string{"キャンセル", "R-0001", "¥1,200", "佐藤"} {
		if !strings.Contains(got, want) {
			t.Errorf("the changed row lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "支払い") {
		t.Errorf("the changed row still says 支払い: %q", got)
	}
	browsertest.Screenshot(t, b, "dashboard-live-change")

	// The older sale cancelled, then a new sale: events come in order, so
	// once the new one is at the top the older one's was handled.
	dashtest.Revise(t, fx.e.pool, old, false, "cancel", 700)
	id := fx.txn(t, testNow.Add(-time.Minute), "payment", "R-NEW", "高橋", 500)
	if _, err := browsertest.Text(b, "table.dash-list tbody tr:first-child.live-new#txn-"+itoa(id)); err != nil {
		t.Fatalf("the new sale did not arrive at the top: %v", err)
	}
	list, err := browsertest.Text(b, "table.dash-list tbody")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(list, "R-OLD") {
		t.Errorf("a change of a sale the page does not show was put in the list: %q", list)
	}
	if n := strings.Count(list, "R-0001"); n != 1 {
		t.Errorf("the cancelled sale is listed %d times", n)
	}
}
