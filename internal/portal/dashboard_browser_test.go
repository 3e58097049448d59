package portal_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/poslink/poslink/internal/browsertest"
)

// The owner reaches the dashboard from カメラ一覧 in Chromium, narrows the
// list to キャンセル, searches by staff, picks the 6H range, and opens the
// 修正 row's changes (before → after) without any script.
func TestBrowserDashboard(t *testing.T) {
	fx := newDashFixture(t)
	base := fx.e.srv.URL
	b := browsertest.New(t)
	auditBrowserLogin(t, b, base, ownerEmail, ownerPW)
	if _, err := browsertest.Navigate(b, base+"/cameras"); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Submit(b, `a[href="`+fx.path("")+`"]`); err != nil {
		t.Fatal(err)
	}
	list := func() string {
		t.Helper()
		s, err := browsertest.Text(b, "table.dash-list tbody")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	all := list()
	for _, want := range []string{"R-0001", "R-0002", "R-0003", "¥1,200", "レジ1", "2026/11/23 11:00:00 +09:00"} {
		if !strings.Contains(all, want) {
			t.Errorf("the list lacks %q:\n%s", want, all)
		}
	}
	browsertest.Screenshot(t, b, "dashboard")

	if _, err := browsertest.Submit(b, `nav.dash-kinds a[href*="kind=cancel"]`); err != nil {
		t.Fatal(err)
	}
	if got := list(); !strings.Contains(got, "R-0002") || strings.Contains(got, "R-0001") || strings.Contains(got, "R-0003") {
		t.Errorf("キャンセル shows:\n%s", got)
	}
	// すべて again, then the search box.
	if _, err := browsertest.Submit(b, `nav.dash-kinds a.btn:first-child`); err != nil {
		t.Fatal(err)
	}
	must(t, browsertest.Fill(b, "#f-q", "佐藤"))
	if _, err := browsertest.Submit(b, "form.dash-filter button[type=submit]"); err != nil {
		t.Fatal(err)
	}
	if got := list(); !strings.Contains(got, "R-0001") || strings.Contains(got, "R-0002") {
		t.Errorf("the search for 佐藤 shows:\n%s", got)
	}
	browsertest.Screenshot(t, b, "dashboard-search")

	// A range: 1H leaves only the sale of an hour ago.
	if _, err := browsertest.Navigate(b, base+fx.path("")); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Submit(b, `nav.dash-ranges a[href*="range=1h"]`); err != nil {
		t.Fatal(err)
	}
	if got := list(); !strings.Contains(got, "R-0001") || strings.Contains(got, "R-0002") {
		t.Errorf("1H shows:\n%s", got)
	}
	if _, err := browsertest.Submit(b, `nav.dash-ranges a[href*="range=6h"]`); err != nil {
		t.Fatal(err)
	}
	// The 修正 row's changes are closed, then open on a click.
	row := "#txn-" + itoa(fx.fixed)
	if got, _ := browsertest.Text(b, row); strings.Contains(got, "¥1,200 → ¥1,000") {
		t.Errorf("the changes show before the row is opened:\n%s", got)
	}
	must(t, browsertest.Click(b, row+" details summary"))
	got, err := browsertest.Text(b, row+" details")
	if err != nil || !strings.Contains(got, "第1版 → 第2版") || !strings.Contains(got, "合計 ¥1,200 → ¥1,000") {
		t.Errorf("the opened 修正 row shows %q (%v)", got, err)
	}
	browsertest.Screenshot(t, b, "dashboard-revisions")
}

// In Chromium, a transaction stored while the owner looks at the
// dashboard appears at the top of the list without a reload, written as
// the server writes its rows (live.js, fed by the camera's server-sent
// events).
func TestBrowserDashboardLiveArrival(t *testing.T) {
	fx := newDashFixture(t)
	b := browsertest.New(t)
	auditBrowserLogin(t, b, fx.e.srv.URL, ownerEmail, ownerPW)
	if _, err := browsertest.Navigate(b, fx.e.srv.URL+fx.path("")); err != nil {
		t.Fatal(err)
	}
	id := fx.txn(t, testNow.Add(-time.Minute), "cancel", "R-LIVE", "高橋", 4321)
	got, err := browsertest.Text(b, "table.dash-list tbody tr:first-child#txn-"+itoa(id))
	if err != nil {
		t.Fatalf("the new transaction did not arrive at the top: %v", err)
	}
	for _, want := range []string{"R-LIVE", "キャンセル", "¥4,321", "¥5,321", "高橋", "レジ1", "+09:00"} {
		if !strings.Contains(got, want) {
			t.Errorf("the arrived row lacks %q: %q", want, got)
		}
	}
	browsertest.Screenshot(t, b, "dashboard-live")
	// Its thumbnail links, as the page's own rows do, to the dashboard at
	// the end of the sale's second, whose picture is that sale's frame.
	link, err := chromedp.Run(b, chromedp.Evaluate[[2]string](`(function () {
		var a = document.querySelector("#txn-`+itoa(id)+` a.dash-thumb-link");
		return a ? [a.href, a.getAttribute("aria-label")] : ["", ""];
	})()`))
	if err != nil {
		t.Fatalf("the arrived row's thumbnail link: %v", err)
	}
	href, label := link[0], link[1]
	at := testNow.Add(-time.Minute + time.Second).UTC().Format(time.RFC3339)
	if !strings.HasSuffix(href, fx.path("at="+url.QueryEscape(at))) || !strings.Contains(label, "の映像を大きく表示") {
		t.Errorf("the arrived row's thumbnail link: %s (%q), want the dashboard at %s", href, label, at)
	}
	if _, err := browsertest.Navigate(b, href); err != nil {
		t.Fatal(err)
	}
	if got, err := browsertest.Text(b, "table.dash-list tbody tr:first-child"); err != nil || !strings.Contains(got, "R-LIVE") {
		t.Errorf("the dashboard at the arrived sale's second does not list it first: %q %v", got, err)
	}
}
