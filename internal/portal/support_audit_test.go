package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/audit"
)

// TestSupportAuditLogRecordsStaffChanges makes every kind of staff change
// through the console and reads them back on the 監査ログ page.
func TestSupportAuditLogRecordsStaffChanges(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	const initialPW, resetPW = "initial-secret-1", "reset-secret-22"

	loc := postDone(t, c, "/support/tenants", url.Values{"name": {"監査店"}}, "追加しました")
	id := strings.TrimPrefix(loc, "/support/tenants/")
	base := "/support/tenants/" + id
	postDone(t, c, base, url.Values{"name": {"監査店2"}}, "変更しました")
	postDone(t, c, base+"/owners", url.Values{"email": {"a@shop.example"}, "password": {initialPW}}, "追加しました")
	owner, err := e.store.UserByEmail(ctx, "a@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	uid := supportID(owner.ID)
	postDone(t, c, base+"/users/"+uid+"/password", url.Values{"password": {resetPW}}, "再設定しました")
	postDone(t, c, base+"/users/"+uid+"/disable", nil, "利用停止にしました")
	postDone(t, c, base+"/users/"+uid+"/enable", nil, "再開しました")
	postDone(t, c, base+"/cameras", url.Values{"device_id": {"aud-1"}, "name": {"カメラ<1>"}}, "追加しました")
	cam, err := e.store.CameraByDeviceID(ctx, "aud-1")
	if err != nil {
		t.Fatal(err)
	}
	camPath := base + "/cameras/" + supportID(cam.ID)
	postDone(t, c, camPath, url.Values{"device_id": {"aud-2"}, "name": {"カメラ2"}}, "更新しました")
	postDone(t, c, camPath+"/pos", url.Values{"pos": {"on"}, "pos_usable_from": {"2026-11-26"}}, "有効にしました")
	postDone(t, c, camPath+"/pos", url.Values{"pos": {"off"}}, "無効にしました")

	staff, _ := e.store.UserByEmail(ctx, staffEmail)
	want := []string{"camera.pos_option", "camera.pos_option", "camera.update", "camera.create", "user.enable",
		"user.disable", "user.set_password", "user.create", "tenant.rename", "tenant.create"}
	log := e.auditLog(t)
	var got []string
	for _, a := range log {
		if fmt.Sprint(a.TenantID) != id {
			continue
		}
		got = append(got, a.Action)
		if a.Actor.UserID != staff.ID || a.Actor.Label != staffEmail {
			t.Errorf("%s recorded by %+v, want the staff member", a.Action, a.Actor)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit actions\n got %v\nwant %v", got, want)
	}
	assertNoSecretInAudit(t, e, initialPW, resetPW)

	res, body := c.get("/support/audit")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /support/audit: %d", res.StatusCode)
	}
	// Translated, newest first, times in Tokyo, targets linked, details compact
	// and escaped.
	wantContains(t, body, "監査ログ", "日時", "実行者", "操作", "対象", "詳細",
		"テナント作成", "テナント名変更", "ユーザー作成", "パスワード再設定", "利用停止", "利用再開",
		"カメラ追加", "カメラ編集", "POSレジ連携オプション設定", staffEmail,
		log[0].At.In(tokyo).Format("2006/01/02 15:04:05"),
		`{&#34;enabled&#34;:true,&#34;usable_from&#34;:&#34;2026-11-26&#34;}`,
		`カメラ&lt;1&gt;`, `href="`+camPath+`"`, `href="`+base+`"`)
	if i, j := strings.Index(body, "POSレジ連携オプション設定"), strings.Index(body, "テナント作成"); i > j {
		t.Error("the audit log is not newest first")
	}
	if strings.Contains(body, "カメラ<1>") {
		t.Error("details are not escaped")
	}
}

func TestSupportAuditLogPagesAndFilters(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	a := e.tenant(t, "店A")
	b := e.tenant(t, "店B")
	// 150 entries of A and 5 of B, B's the newest.
	for i := 1; i <= 150; i++ {
		if err := audit.Record(ctx, e.pool, audit.Entry{Actor: e.actor, Action: "test.a", TenantID: a.ID,
			Target: fmt.Sprintf("thing:%d", i), Details: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		if err := audit.Record(ctx, e.pool, audit.Entry{Actor: e.actor, Action: "test.b", TenantID: b.ID,
			Target: fmt.Sprintf("other:%d", i)}); err != nil {
			t.Fatal(err)
		}
	}

	_, body := c.get("/support/audit")
	if n := strings.Count(body, "<tr>") - 1; n != 100 {
		t.Errorf("first page has %d rows, want 100", n)
	}
	wantContains(t, body, "さらに古い記録", "other:5", "test.b")
	older := between(body, `href="/support/audit?before=`, `"`)
	if older == "" {
		t.Fatal("no link to older entries")
	}
	_, body = c.get("/support/audit?before=" + older)
	wantContains(t, body, "thing:1<", "最新の記録へ")
	if strings.Contains(body, "さらに古い記録") || strings.Contains(body, "other:") {
		t.Error("the last page links further or repeats newer entries")
	}
	// 158 in all: the staff user.create, two tenant.create, 150 + 5.
	if n := strings.Count(body, "<tr>") - 1; n != 58 {
		t.Errorf("second page has %d rows, want 58", n)
	}

	_, body = c.get("/support/audit?tenant=" + supportID(b.ID))
	wantContains(t, body, "テナント「店B」（ID "+supportID(b.ID)+"）の記録を表示しています。", "other:1<", "テナント作成", "すべて表示")
	if strings.Contains(body, "thing:") || strings.Contains(body, "さらに古い記録") {
		t.Error("the tenant filter shows another tenant's entries or a further page")
	}

	for _, bad := range []string{"abc", "0", "-3", "1.5"} {
		res, body := c.get("/support/audit?tenant=" + url.QueryEscape(bad))
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("tenant=%q: %d, want 400", bad, res.StatusCode)
		}
		wantContains(t, body, "テナントIDは1以上の数字で入力してください。", `value="`+bad+`"`)
	}
	if res, _ := c.get("/support/audit?before=x"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("before=x: %d, want 400", res.StatusCode)
	}
}

// between is the text of s after the first start, up to end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
