package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dashboard/dashtest"
)

// dashFixture is a tenant with a camera fed by a Smaregi register, its
// owner and staff logged in, and a second tenant with its own camera.
type dashFixture struct {
	e                  *env
	tenant, cam, conn  int64
	owner, staff       *client
	otherOwner         *client
	otherCam           int64
	idleCam            int64 // a camera of the tenant that nothing feeds
	pay, cancel, fixed int64
}

func newDashFixture(t *testing.T) *dashFixture {
	t.Helper()
	e := newEnv(t)
	tn := e.tenant(t, "ダッシュボードの店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	cam := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	idle := e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	other := e.tenant(t, "よその店")
	e.owner(t, other.ID, "b@other.example", ownerPW)
	otherCam := e.camera(t, other.ID, "cam-other", "よそのカメラ", testNow.AddDate(0, 0, -5))
	fx := &dashFixture{e: e, tenant: tn.ID, cam: cam.ID, idleCam: idle.ID, otherCam: otherCam.ID}
	fx.conn = dashtest.Connection(t, e.pool, tn.ID, "smaregi", "skdash01")
	dashtest.Bind(t, e.pool, tn.ID, fx.conn, "1:1", "レジ1", cam.ID, testNow.AddDate(0, 0, -4), time.Time{})
	fx.pay = fx.txn(t, testNow.Add(-time.Hour), "payment", "R-0001", "佐藤", 1200)
	fx.cancel = fx.txn(t, testNow.Add(-2*time.Hour), "cancel", "R-0002", "鈴木", 800)
	fx.fixed = fx.txn(t, testNow.Add(-3*time.Hour), "payment", "R-0003", "=HYPERLINK(\"x\")", 1200)
	dashtest.Revise(t, e.pool, fx.fixed, false, "modify", 1000)
	fx.owner = e.login(t, ownerEmail, ownerPW)
	fx.staff = e.login(t, staffEmail, staffPW)
	fx.otherOwner = e.login(t, "b@other.example", ownerPW)
	return fx
}

func (fx *dashFixture) txn(t *testing.T, at time.Time, kind, receipt, staff string, total int64) int64 {
	return dashtest.Insert(t, fx.e.pool, fx.tenant, fx.conn, dashtest.Txn{CameraID: fx.cam, SoldAt: at.In(jst), Kind: kind,
		Total: total, Deposit: total + 1000, Change: 1000, ReceiptNo: receipt, Staff: staff, TerminalKey: "1:1", TerminalName: "レジ1"})
}

func (fx *dashFixture) path(query string) string {
	p := "/cameras/" + itoa(fx.cam) + "/dashboard"
	if query != "" {
		p += "?" + query
	}
	return p
}

var rowID = regexp.MustCompile(`<tr id="txn-(\d+)"`)

// rows are the IDs of the list's rows, in order.
func rows(body string) []string {
	var out []string
	for _, m := range rowID.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func getOK(t *testing.T, c *client, path string) string {
	t.Helper()
	res, body := c.get(path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.3000s", path, res.StatusCode, body)
	}
	return body
}

func TestDashboardListsTheCamerasTransactions(t *testing.T) {
	fx := newDashFixture(t)
	body := getOK(t, fx.owner, fx.path(""))
	if got, want := rows(body), []string{itoa(fx.pay), itoa(fx.cancel), itoa(fx.fixed)}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for _, want := range []string{"2026/11/23 11:00:00 +09:00", "支払い", "キャンセル", "修正", "¥1,200", "¥2,200", "¥1,000",
		"R-0001", "レジ1", "佐藤", `src="/cameras/` + itoa(fx.cam) + `/transactions/` + itoa(fx.pay) + `/still"`,
		// The 修正 row opens to its change, before → after.
		`<details class="dash-revisions">`, "第1版 → 第2版", "¥1,200 → ¥1,000",
		"dash-mark dash-mark-payment", "72H", "10M", "CSV出力"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	// From カメラ一覧 and the camera's page.
	for _, p := range []string{"/cameras", "/cameras/" + itoa(fx.cam)} {
		if b := getOK(t, fx.owner, p); !strings.Contains(b, `href="`+fx.path("")+`"`) {
			t.Errorf("%s has no link to the dashboard", p)
		}
	}
}

func TestDashboardFiltersSearchAndRange(t *testing.T) {
	fx := newDashFixture(t)
	cases := []struct {
		query string
		want  []int64
	}{
		{"kind=cancel", []int64{fx.cancel}},
		{"kind=modify", []int64{fx.fixed}},
		{"kind=delete", nil},
		{"q=" + url.QueryEscape("鈴木"), []int64{fx.cancel}},
		{"q=r-0001", []int64{fx.pay}},
		{"q=" + url.QueryEscape("レジ1") + "&kind=payment", []int64{fx.pay}},
		{"range=10m", nil},
		{"range=6h", []int64{fx.pay, fx.cancel, fx.fixed}},
		{"date=2026-11-22", nil},
		// The timeline's mark: the list from that time back.
		{"at=" + url.QueryEscape(testNow.Add(-90*time.Minute).Format(time.RFC3339)), []int64{fx.cancel, fx.fixed}},
	}
	for _, c := range cases {
		body := getOK(t, fx.owner, fx.path(c.query))
		var want []string
		for _, id := range c.want {
			want = append(want, itoa(id))
		}
		if got := rows(body); !slices.Equal(got, want) {
			t.Errorf("%s: rows %v, want %v", c.query, got, want)
		}
		if len(c.want) == 0 && !strings.Contains(body, "この期間の会計はありません。") && !strings.Contains(body, "条件に合う会計はありません。") {
			t.Errorf("%s: no words for an empty list", c.query)
		}
	}
	// The kind links keep the search.
	body := getOK(t, fx.owner, fx.path("q=R"))
	if !strings.Contains(body, `href="`+fx.path("kind=cancel&amp;q=R")+`"`) {
		t.Errorf("the kind filter's link drops the search")
	}
}

// Older and newer pages go deep into history in one stable order, and the
// links carry the filter.
func TestDashboardPaging(t *testing.T) {
	fx := newDashFixture(t)
	for i := range 130 {
		fx.txn(t, testNow.Add(-4*time.Hour-time.Duration(i/2)*time.Minute), "payment", fmt.Sprintf("P%03d", i), "佐藤", 100)
	}
	next := fx.path("range=24h")
	var all []string
	var pages []string
	olderLink := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">`)
	for next != "" {
		pages = append(pages, next)
		body := getOK(t, fx.owner, next)
		all = append(all, rows(body)...)
		next = ""
		if m := olderLink.FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(all) != 133 || len(pages) != 3 {
		t.Fatalf("%d rows on %d pages", len(all), len(pages))
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("row %s twice", id)
		}
		seen[id] = true
	}
	last := getOK(t, fx.owner, pages[2])
	m := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="prev">`).FindStringSubmatch(last)
	if m == nil {
		t.Fatal("the last page has no link to newer ones")
	}
	if got := rows(getOK(t, fx.owner, strings.ReplaceAll(m[1], "&amp;", "&"))); !slices.Equal(got, all[50:100]) {
		t.Errorf("newer from the last page: %v", got)
	}
}

// Another tenant's camera is not found, and a cursor of another list is
// refused with its message.
func TestDashboardTenantIsolation(t *testing.T) {
	fx := newDashFixture(t)
	for _, p := range []string{fx.path(""), fx.path("kind=cancel"), "/cameras/" + itoa(fx.cam) + "/dashboard.csv"} {
		if res, body := fx.otherOwner.get(p); res.StatusCode != http.StatusNotFound || strings.Contains(body, "R-0001") {
			t.Errorf("owner B: GET %s: %d", p, res.StatusCode)
		}
	}
	for i := range 60 {
		fx.txn(t, testNow.Add(-5*time.Hour-time.Duration(i)*time.Minute), "payment", "X", "s", 1)
	}
	body := getOK(t, fx.owner, fx.path(""))
	m := regexp.MustCompile(`cursor=([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no cursor")
	}
	res, body := fx.otherOwner.get("/cameras/" + itoa(fx.otherCam) + "/dashboard?cursor=" + m[1])
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "ページ送りの位置（cursor）") {
		t.Errorf("A's cursor on B's camera: %d\n%.2000s", res.StatusCode, body)
	}
	// The staff's view of another tenant's camera by a wrong pair is not found.
	if res, _ := fx.staff.get(fmt.Sprintf("/support/tenants/%d/cameras/%d/dashboard", fx.tenant, fx.otherCam)); res.StatusCode != http.StatusNotFound {
		t.Errorf("staff, mismatched tenant and camera: %d", res.StatusCode)
	}
}

func TestDashboardForStaffIsReadOnly(t *testing.T) {
	fx := newDashFixture(t)
	p := fmt.Sprintf("/support/tenants/%d/cameras/%d/dashboard", fx.tenant, fx.cam)
	body := getOK(t, fx.staff, p)
	if got := rows(body); len(got) != 3 {
		t.Errorf("rows %v", got)
	}
	if !strings.Contains(body, "サポートとして閲覧しています") || strings.Contains(body, "CSV出力") {
		t.Errorf("the staff's dashboard is not read only")
	}
	if b := getOK(t, fx.staff, fmt.Sprintf("/support/tenants/%d/cameras/%d", fx.tenant, fx.cam)); !strings.Contains(b, `href="`+p+`"`) {
		t.Errorf("the support camera page has no link to the dashboard")
	}
	if res, _ := fx.owner.get(p); res.StatusCode == http.StatusOK {
		t.Errorf("an owner reads the support console's dashboard")
	}
}

func TestDashboardStatesInWords(t *testing.T) {
	fx := newDashFixture(t)
	body := getOK(t, fx.owner, "/cameras/"+itoa(fx.idleCam)+"/dashboard")
	for _, want := range []string{"この期間、このカメラに連携しているPOSレジ端末はありません。", "この期間の会計はありません。", `href="/links"`} {
		if !strings.Contains(body, want) {
			t.Errorf("an unfed camera: no %q", want)
		}
	}
	if _, err := fx.e.pool.Exec(t.Context(), `UPDATE pos_connections SET status = 'update_required' WHERE id = $1`, fx.conn); err != nil {
		t.Fatal(err)
	}
	body = getOK(t, fx.owner, fx.path(""))
	if !strings.Contains(body, "このカメラに連携しているPOSレジ連携が「要更新」です。") ||
		!strings.Contains(body, `href="/smaregi#link-`+itoa(fx.conn)+`"`) {
		t.Errorf("no words for the link that needs its owner:\n%.4000s", body)
	}
	if strings.Contains(body, "この期間の会計はありません。") || strings.Contains(body, "POSレジ端末はありません") {
		t.Errorf("a fed camera with transactions says it has none")
	}
}

func TestDashboardRefusesBadParametersOnThePage(t *testing.T) {
	fx := newDashFixture(t)
	cases := map[string]string{
		"kind=refund":                  "種別（kind）",
		"range=2h":                     "表示範囲（range）",
		"date=2026-13-01":              "日付（date）は YYYY-MM-DD",
		"date=2026-12-24":              "未来の日",
		"at=yesterday":                 "時刻（at）の形式",
		"at=2026-11-01T00:00:00Z":      "時刻（at）が表示範囲の外",
		"cursor=AAAA":                  "ページ送りの位置（cursor）",
		"q=" + strings.Repeat("a", 65): "入力が長すぎます。",
	}
	for q, want := range cases {
		paths := []string{fx.path(q)}
		// The export starts at the newest: it reads no cursor.
		if !strings.HasPrefix(q, "cursor=") {
			paths = append(paths, "/cameras/"+itoa(fx.cam)+"/dashboard.csv?"+q)
		}
		for _, p := range paths {
			res, body := fx.owner.get(p)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `role="alert"`) {
				t.Errorf("%s: %d, want 400 saying %q\n%.1500s", p, res.StatusCode, want, body)
			}
		}
	}
}

func TestDashboardCSV(t *testing.T) {
	fx := newDashFixture(t)
	res, body := fx.owner.get("/cameras/" + itoa(fx.cam) + "/dashboard.csv?kind=modify")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "poslink-cam-register-20261123.csv") {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	want := "\uFEFF日時,種別,合計,預り,釣銭,レシートNo,レジ,端末ID,担当,支払方法,版,ID\r\n" +
		"2026-11-23T09:00:00+09:00,修正,1000,2200,1000,R-0003,レジ1,1:1,\"'=HYPERLINK(\"\"x\"\")\",,2," + itoa(fx.fixed) + "\r\n"
	if body != want {
		t.Errorf("CSV\n%q\nwant\n%q", body, want)
	}
	res, body = fx.owner.get("/cameras/" + itoa(fx.cam) + "/dashboard.csv?range=72h")
	if n := strings.Count(body, "\r\n"); res.StatusCode != http.StatusOK || n != 4 {
		t.Errorf("all kinds: %d, %d lines", res.StatusCode, n)
	}
}
