package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
)

// ownerAuditEnv is a Smaregi link of the owner's tenant with a register
// bound by the owner and rebound by support with a reason, its state
// changed by the system, and another tenant with entries of its own.
type ownerAuditEnv struct {
	*smaregiEnv
	conn            link.Connection
	otherTenant     int64
	otherEntry      int64
	otherOwnerEmail string
}

func newOwnerAuditEnv(t *testing.T) *ownerAuditEnv {
	t.Helper()
	f := newSmaregiEnv(t)
	ctx := context.Background()
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	staff := f.staff(t, staffEmail, staffPW)
	support := audit.Actor{UserID: staff.ID, Label: staffEmail, Address: "198.51.100.9", Reason: "お客様から電話で依頼（チケット 1234）"}
	if err := f.links.Bind(ctx, support, f.tenant.ID, conn.ID, link.Terminal{Key: "1:1", Name: "レジ1"}, f.cam2.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	if err := f.links.SetStatus(ctx, audit.Actor{Label: "system:smaregi"}, f.tenant.ID, conn.ID, link.UpdateRequired,
		"credentials refused: invalid_client"); err != nil {
		t.Fatal(err)
	}

	other := f.env.tenant(t, "よその店")
	f.owner(t, other.ID, "owner-b@shop.example", ownerPW)
	f.camera(t, other.ID, "cam-other", "よそのカメラ", testNow)
	var otherEntry int64
	if err := f.pool.QueryRow(ctx, `SELECT max(id) FROM audit_log WHERE tenant_id = $1`, other.ID).Scan(&otherEntry); err != nil {
		t.Fatal(err)
	}
	return &ownerAuditEnv{smaregiEnv: f, conn: conn, otherTenant: other.ID, otherEntry: otherEntry, otherOwnerEmail: "owner-b@shop.example"}
}

// notOthers fails if a page or export of the owner shows anything of the
// other tenant, of a staff member or of where support works from.
func (f *ownerAuditEnv) notOthers(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{"よその店", "よそのカメラ", "cam-other", f.otherOwnerEmail, staffEmail, "198.51.100.9", "invalid_client"} {
		if strings.Contains(body, s) {
			t.Errorf("%s shows %q", what, s)
		}
	}
}

// The owner reads the tenant's own log: who changed which link, when,
// before → after; support's changes as support's, with the reason.
func TestOwnerReadsOwnAuditLog(t *testing.T) {
	f := newOwnerAuditEnv(t)
	res, body := f.c.get("/audit")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /audit: %d", res.StatusCode)
	}
	wantContains(t, body, "操作履歴", ">日時<", ">操作者<", ">内容<", ">理由<",
		"の端末「レジ1」の紐づけ先のカメラを変更しました：カメラ「レジ前カメラ」 → カメラ「入口カメラ」",
		"の端末「レジ1」をカメラ「レジ前カメラ」に紐づけました。", "を連携しました。",
		"の状態が「要更新」になりました。", "カメラ「入口カメラ」（デバイスID cam-entrance）を追加しました。",
		"<td>サポート</td>", "<td>お客様から電話で依頼（チケット 1234）</td>", "<td>システム（自動処理）</td>",
		"<td>"+ownerEmail+"</td>", `href="/audit.csv"`)
	for _, s := range []string{">アドレス<", ">テナント名<", "127.0.0.1", `name="tenant_name"`, "actor_id="} {
		if strings.Contains(body, s) {
			t.Errorf("the owner's log shows the staff's %q", s)
		}
	}
	f.notOthers(t, "the owner's log", body)

	f.c.lang = "en"
	_, body = f.c.get("/audit")
	wantContains(t, body, "Change history", "<td>Support</td>", "is now “update required”.",
		"to another camera: the camera “レジ前カメラ” → the camera “入口カメラ”.")
}

// Whatever a hand-made request names, an owner reads the own tenant's
// entries only, on the page and in the export; the console stays closed.
func TestOwnerCannotReadAnotherTenantsLog(t *testing.T) {
	f := newOwnerAuditEnv(t)
	_, own := f.c.get("/audit")
	rows := strings.Count(own, "<tr>")
	other := itoa(f.otherTenant)
	for _, q := range []string{"tenant=" + other, "tenant_name=" + url.QueryEscape("よその店"), "actor=owner-b",
		"tenant=" + other + "&action=camera.create"} {
		res, body := f.c.get("/audit?" + q)
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusBadRequest {
			t.Errorf("/audit?%s: %d", q, res.StatusCode)
		}
		f.notOthers(t, "/audit?"+q, body)
		res, body = f.c.get("/audit.csv?" + q)
		if res.StatusCode != http.StatusOK {
			t.Errorf("/audit.csv?%s: %d", q, res.StatusCode)
		}
		f.notOthers(t, "/audit.csv?"+q, body)
	}
	if _, body := f.c.get("/audit?tenant=" + other); strings.Count(body, "<tr>") != rows {
		t.Error("a tenant parameter changes the owner's log")
	}
	// Paging from another tenant's entry gives nothing, not the entries
	// older than it.
	_, body := f.c.get("/audit?before=" + itoa(f.otherEntry))
	wantContains(t, body, "記録はありません。")
	f.notOthers(t, "/audit?before=", body)

	// The actor filter finds the tenant's own users, never support's: an
	// owner cannot learn whether an e-mail is a staff member's that made
	// changes.
	for _, q := range []string{"actor=" + url.QueryEscape(staffEmail), "actor=staff", "actor=poslink.example"} {
		_, body := f.c.get("/audit?" + q)
		wantContains(t, body, "条件に合う記録はありません。")
		res, body := f.c.get("/audit.csv?" + q)
		if records := readCSV(t, res, body, "poslink-history-"); len(records) != 1 {
			t.Errorf("/audit.csv?%s exports %d records", q, len(records)-1)
		}
	}
	_, body = f.c.get("/audit?actor=OWNER%40")
	if n := strings.Count(body, "<tr>") - 1; n != 2 || strings.Count(body, "<td>"+ownerEmail+"</td>") != 2 {
		t.Errorf("the owner's own e-mail finds %d rows", n)
	}

	for _, p := range []string{"/support/audit", "/support/audit.csv", "/support/audit?tenant=" + other, "/support/audit.csv?tenant=" + other} {
		res, body := f.c.get(p)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("owner GET %s: %d, want 403", p, res.StatusCode)
		}
		f.notOthers(t, p, body)
	}
	anon := f.client(t)
	for _, p := range []string{"/audit", "/audit.csv"} {
		res, _ := anon.get(p)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("anonymous GET %s: %d → %q, want 303 → /login", p, res.StatusCode, loc)
		}
	}
	staff := f.login(t, staffEmail, staffPW)
	if res, _ := staff.get("/audit"); res.StatusCode != http.StatusForbidden {
		t.Errorf("staff GET /audit: %d, want 403 (staff read the 監査ログ)", res.StatusCode)
	}
	// Staff read the same change with its actor, address and reason.
	_, body = staff.get("/support/audit?tenant=" + itoa(f.tenant.ID))
	wantContains(t, body, staffEmail, "198.51.100.9", "お客様から電話で依頼（チケット 1234）", "（詳細：credentials refused: invalid_client）",
		"テナント「スマレジの店」の記録を表示しています。")
}
