package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/sim/sandbox"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/internal/tenancy"
)

// linksFixture is a tenant with an owner and a staff member logged in,
// cameras (two usable, one usable from the fourth day, one without the
// option), a Ubiregi account with its first terminal on camA, the Smaregi
// demo contract with registers 1:1 on camA and 1:2 on camB, and a second
// Smaregi contract with no register bound.
type linksFixture struct {
	e                         *env
	tenant                    tenancy.Tenant
	owner, staff              *client
	camA, camB, camWait       tenancy.Camera
	camOff                    tenancy.Camera
	ub, sm, smEmpty           link.Connection
	ubTerms                   []link.Terminal
	smSecret, emptyContractID string
}

func newLinksFixture(t *testing.T) *linksFixture {
	t.Helper()
	e := newEnv(t)
	f := &linksFixture{e: e, tenant: e.tenant(t, "連携一覧の店")}
	e.owner(t, f.tenant.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	f.camA = e.camera(t, f.tenant.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	f.camB = e.camera(t, f.tenant.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	f.camWait = e.camera(t, f.tenant.ID, "cam-backyard", "バックヤードカメラ", testNow.AddDate(0, 0, 3))
	f.camOff = e.camera(t, f.tenant.ID, "cam-home", "自宅カメラ", time.Time{})
	f.owner = e.login(t, ownerEmail, ownerPW)

	getFollow(t, f.owner, ubConsent(t, f.owner, ubConnect(t, f.owner), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow"))
	f.ub = e.ubConnection(t, f.tenant.ID)
	f.ubTerms = e.ubTerminals(t, f.tenant.ID, f.ub.ID)
	postDone(t, f.owner, "/ubiregi/"+itoa(f.ub.ID)+"/bind",
		url.Values{"terminal": {f.ubTerms[0].Key}, "camera": {itoa(f.camA.ID)}, "binding": {"0"}}, "")

	f.sm = pureSmaregiLink(t, e, f.owner, f.tenant.ID, demoContract)
	for _, b := range []struct {
		terminal string
		cam      int64
	}{{"1", f.camA.ID}, {"2", f.camB.ID}} {
		postDone(t, f.owner, connPath(f.sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {b.terminal},
			"camera_id": {itoa(b.cam)}, "binding": {"0"}}, "")
	}
	k, _ := e.sims.Smaregi.Contract(demoContract)
	f.smSecret = k.ClientSecret
	empty, err := e.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "sklinks02", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.emptyContractID = empty.ID
	f.smEmpty = pureSmaregiLink(t, e, f.owner, f.tenant.ID, empty.ID)
	f.staff = e.login(t, staffEmail, staffPW)
	return f
}

// staffLinks is the path of the tenant's links in the support console.
func (f *linksFixture) staffLinks(action string, connID int64) string {
	p := tenantPath(f.tenant.ID) + "/links"
	if action != "" {
		p += "/" + itoa(connID) + "/" + action
	}
	return p
}

// overviewRow is the row of a binding (or "conn-ID" of an account without
// one) on an overview page.
func overviewRow(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `<tr id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no row %s in:\n%s", id, page)
	}
	end := strings.Index(page[start:], "</tr>")
	return page[start : start+end]
}

var bindingValue = regexp.MustCompile(`name="binding" value="(\d+)"`)

// bindingAfter is the version the first form after anchor in page
// carries.
func bindingAfter(t *testing.T, page, anchor string) string {
	t.Helper()
	i := strings.Index(page, anchor)
	if i < 0 {
		t.Fatalf("no %s in:\n%s", anchor, page)
	}
	m := bindingValue.FindStringSubmatch(page[i:])
	if m == nil {
		t.Fatalf("no version after %s", anchor)
	}
	return m[1]
}

// POSレジ連携一覧: every link of the tenant, of both providers, a row per
// bound terminal and one for an account with none, each with the state of
// its link (and the last error in words), its newest sale, a terminal the
// provider no longer lists marked, and a way to its provider's page. In
// English too. Another tenant's owner sees none of it; staff do not reach
// the owner's page.
func TestLinksOverview(t *testing.T) {
	f := newLinksFixture(t)
	e := f.e
	ctx := context.Background()
	ub0 := e.seenOf(t, f.ub.ID, f.ubTerms[0].Key)
	sm11, sm12 := e.seenOf(t, f.sm.ID, "1:1"), e.seenOf(t, f.sm.ID, "1:2")
	// Sales of the Ubiregi terminal and of register 1:1; none of 1:2.
	seedTransaction(t, e, f.tenant.ID, f.ub.ID, f.ubTerms[0].Key, "ck-1", testNow.Add(-3*time.Hour))
	seedTransaction(t, e, f.tenant.ID, f.ub.ID, f.ubTerms[0].Key, "ck-2", testNow.Add(-time.Hour))
	seedTransaction(t, e, f.tenant.ID, f.sm.ID, "1:1", "sm-1", testNow.AddDate(0, 0, -2))
	// The Smaregi contract failing for the third time; 1:2 gone at Smaregi.
	seedPollState(t, e, f.sm.ID, `failures = 3, last_attempt_at = $2, last_error_at = $2, due_at = $3,
		last_error = '{"provider":"smaregi","op":"list transactions","account":"`+demoContract+`","status":503,"class":1,"text":"smaregi: 503"}'`,
		testNow.Add(-time.Minute), testNow.Add(time.Hour))
	if _, err := e.pool.Exec(ctx, `UPDATE terminal_bindings SET gone_at = now() WHERE id = $1`, sm12); err != nil {
		t.Fatal(err)
	}

	res, page := f.owner.get("/links")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /links: %d\n%s", res.StatusCode, page)
	}
	wantContains(t, page, "POSレジ連携一覧", `href="/links" aria-current="page"`, `href="/audit"`, "操作履歴",
		"サービス", "契約ID / アカウント", "店舗", "端末ID", "端末名", "カメラ", "状態", "最終取引")
	checkPage(t, page)

	row := overviewRow(t, page, "binding-"+ub0)
	wantContains(t, row, "ユビレジ", f.ub.ExternalID, f.ubTerms[0].Key, f.ubTerms[0].Name, "レジ前カメラ (CC-2L_SF : cam-register)",
		`data-poll-state="active">有効`, "2026/11/23 11:00:00", `href="/ubiregi#conn-`+itoa(f.ub.ID)+`"`, "変更")
	row = overviewRow(t, page, "binding-"+sm11)
	wantContains(t, row, "スマレジ", demoContract, "渋谷店", `<td class="mono">1</td>`, "レジ1",
		"レジ前カメラ (CC-2L_SF : cam-register)", `data-poll-state="error">エラー`, "スマレジに接続できませんでした",
		"2026/11/21 12:00:00", `href="/smaregi/`+itoa(f.sm.ID)+`"`)
	row = overviewRow(t, page, "binding-"+sm12)
	wantContains(t, row, `<td class="mono">2</td>`, "入口カメラ (CC-2L_SF : cam-entrance)", "POSレジ側で削除済み", "まだありません")
	row = overviewRow(t, page, "conn-"+itoa(f.smEmpty.ID))
	wantContains(t, row, f.emptyContractID, "連携している端末はありません", `href="/smaregi/`+itoa(f.smEmpty.ID)+`"`)
	// Nothing secret, nothing to change here: the owner changes links on
	// the providers' pages.
	wantNotContains(t, "the overview", page, f.smSecret, "503", `method="post" action="/smaregi`, `method="post" action="/ubiregi`,
		`name="binding"`)
	// Ubiregi first, then the Smaregi links in order.
	if i, j, k := strings.Index(page, "binding-"+ub0), strings.Index(page, "binding-"+sm11), strings.Index(page, "binding-"+sm12); i > j || j > k {
		t.Errorf("rows out of order: %d %d %d", i, j, k)
	}

	f.owner.lang = "en"
	_, page = f.owner.get("/links")
	wantContains(t, page, "POS links", "History", "Contract ID / account", "Terminal ID", "Last transaction",
		"Removed at the POS", "None yet", "No terminal linked", `data-poll-state="error">Error`, "2026-11-23 11:00:00")
	checkPage(t, page)

	other := e.tenant(t, "よその店")
	e.owner(t, other.ID, "other@shop.example", ownerPW)
	theirs := e.login(t, "other@shop.example", ownerPW)
	_, page = theirs.get("/links")
	wantContains(t, page, "POSレジ連携はありません。")
	wantNotContains(t, "another tenant's overview", page, demoContract, f.ub.ExternalID, "レジ前カメラ")

	if res, _ := f.staff.get("/links"); res.StatusCode != http.StatusForbidden {
		t.Errorf("staff GET /links: %d, want 403", res.StatusCode)
	}
	if res, _ := e.client(t).get("/links"); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous GET /links: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
