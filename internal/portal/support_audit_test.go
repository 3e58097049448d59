package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/audit"
)

// TestSupportAuditLogRecordsStaffChanges makes every kind of staff change
// through the console and reads them back on the 監査ログ page as
// sentences, with who, from which address and before → after.
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
		if a.Actor.UserID != staff.ID || a.Actor.Label != staffEmail || a.Actor.Address != "127.0.0.1" {
			t.Errorf("%s recorded by %+v, want the staff member from 127.0.0.1", a.Action, a.Actor)
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
	// Sentences newest first, before → after, times in Tokyo, names escaped.
	sentences := []string{
		"カメラ「カメラ2」のPOSレジ連携オプションを変更しました：有効（2026/11/26 から利用可） → 無効",
		"カメラ「カメラ2」のPOSレジ連携オプションを変更しました：無効 → 有効（2026/11/26 から利用可）",
		"カメラ「カメラ2」を編集しました：名前 「カメラ&lt;1&gt;」 → 「カメラ2」、デバイスID aud-1 → aud-2",
		"カメラ「カメラ&lt;1&gt;」（デバイスID aud-1）を追加しました。",
		"ユーザー a@shop.example の利用を再開しました（停止中 → 利用中）。",
		"ユーザー a@shop.example を利用停止にしました（利用中 → 停止中）。",
		"ユーザー a@shop.example のパスワードを再設定しました。",
		"オーナー a@shop.example を追加しました。",
		"テナント名を変更しました：「監査店」 → 「監査店2」",
		"テナント「監査店」を作成しました。",
	}
	wantContains(t, body, "監査ログ", ">日時<", ">操作者<", ">アドレス<", ">テナント<", ">内容<", ">理由<",
		staffEmail, "127.0.0.1", ">監査店2</a>", log[0].At.In(tokyo).Format("2006/01/02 15:04:05"),
		`datetime="`+log[0].At.In(tokyo).Format(time.RFC3339)+`"`)
	wantContains(t, body, sentences...)
	last := -1
	for _, s := range sentences {
		i := strings.Index(body, s)
		if i < last {
			t.Errorf("not newest first at %q", s)
		}
		last = i
	}
	if strings.Contains(body, "カメラ<1>") || strings.Contains(body, "&#34;enabled&#34;") || strings.Contains(body, "{&#34;") {
		t.Error("the log shows unescaped names or raw JSON")
	}

	c.lang = "en"
	_, body = c.get("/support/audit")
	wantContains(t, body, "Audit log", ">Date and time<", ">By<", ">Address<", ">What changed<", ">Reason<",
		"Changed the POS link option of the camera “カメラ2”: on (usable from 2026-11-26) → off.",
		"Renamed the tenant: “監査店” → “監査店2”.", "Suspended the user a@shop.example (active → suspended).",
		log[0].At.In(tokyo).Format("2006-01-02 15:04:05"))
}

// recordAt writes an entry with its own time, as Record would have at
// that time.
func (e *env) recordAt(t *testing.T, at time.Time, en audit.Entry) int64 {
	t.Helper()
	details := []byte("{}")
	if en.Details != nil {
		var err error
		if details, err = json.Marshal(en.Details); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	err := e.pool.QueryRow(context.Background(), `
		INSERT INTO audit_log (at, actor, actor_id, action, tenant_id, target, details, address, reason)
		VALUES ($1, $2, nullif($3, 0), $4, nullif($5, 0), $6, $7, nullif($8, ''), nullif($9, '')) RETURNING id`,
		at, en.Actor.Label, en.Actor.UserID, en.Action, en.TenantID, en.Target, details, en.Actor.Address, en.Actor.Reason).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSupportAuditLogPagesAndFilters(t *testing.T) {
	e, c := staffEnv(t)
	a := e.tenant(t, "渋谷のカフェ")
	b := e.tenant(t, "新宿のバー")
	other := e.staff(t, "other-staff@poslink.example", staffPW)
	ctx := context.Background()
	// 150 entries of A and 5 of B, B's the newest.
	for i := 1; i <= 150; i++ {
		if err := audit.Record(ctx, e.pool, audit.Entry{Actor: e.actor, Action: "tenant.rename", TenantID: a.ID,
			Target: fmt.Sprintf("tenant:%d", a.ID), Details: map[string]any{"from": fmt.Sprintf("旧%d", i), "to": fmt.Sprintf("新%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		if err := audit.Record(ctx, e.pool, audit.Entry{Actor: audit.Actor{UserID: other.ID, Label: other.Email, Address: "198.51.100.7"},
			Action: "user.set_password", TenantID: b.ID, Target: fmt.Sprintf("user:%d", other.ID)}); err != nil {
			t.Fatal(err)
		}
	}

	_, body := c.get("/support/audit")
	if n := strings.Count(body, "<tr>") - 1; n != 100 {
		t.Errorf("first page has %d rows, want 100", n)
	}
	wantContains(t, body, "さらに古い記録", "198.51.100.7", "other-staff@poslink.example のパスワードを再設定しました")
	older := between(body, `href="/support/audit?before=`, `"`)
	if older == "" {
		t.Fatal("no link to older entries")
	}
	_, body = c.get("/support/audit?before=" + older)
	wantContains(t, body, "「旧1」 → 「新1」", "最新の記録へ")
	if strings.Contains(body, "さらに古い記録") || strings.Contains(body, "198.51.100.7") {
		t.Error("the last page links further or repeats newer entries")
	}
	// 159 in all: two staff and two tenants created, 150 + 5.
	if n := strings.Count(body, "<tr>") - 1; n != 59 {
		t.Errorf("second page has %d rows, want 59", n)
	}

	// A link of another page names the tenant by ID; the page names it.
	_, body = c.get("/support/audit?tenant=" + supportID(b.ID))
	wantContains(t, body, "テナント「新宿のバー」の記録を表示しています。", `href="/support/tenants/`+supportID(b.ID)+`"`,
		"すべての記録を表示", `name="tenant" value="`+supportID(b.ID)+`"`, "テナント「新宿のバー」を作成しました。")
	if strings.Contains(body, "渋谷のカフェ") || strings.Contains(body, "さらに古い記録") {
		t.Error("the tenant's link shows another tenant's entries or a further page")
	}
	// Staff filter by name, not by ID.
	_, body = c.get("/support/audit?tenant_name=" + url.QueryEscape("渋谷"))
	wantContains(t, body, "「旧150」 → 「新150」", "さらに古い記録", `value="渋谷"`)
	if strings.Contains(body, "新宿のバー") {
		t.Error("the tenant name filter shows another tenant's entries")
	}
	older = between(body, `href="/support/audit?before=`, `"`)
	if !strings.Contains(older, "tenant_name=") {
		t.Errorf("the older link drops the filter: %q", older)
	}
	// By actor's e-mail, by action, by a user a row links to.
	_, body = c.get("/support/audit?actor=OTHER-STAFF")
	if n := strings.Count(body, "<tr>") - 1; n != 5 {
		t.Errorf("actor filter: %d rows, want 5", n)
	}
	_, body = c.get("/support/audit?action=tenant.")
	if n := strings.Count(body, "<tr>") - 1; n != 100 || strings.Contains(body, "パスワードを再設定しました") {
		t.Errorf("action group filter: %d rows", n)
	}
	wantContains(t, body, `<option value="tenant." selected>テナントの操作（すべて）</option>`, `<option value="user.set_password">パスワード再設定</option>`)
	_, body = c.get("/support/audit?action=tenant.create")
	if n := strings.Count(body, "<tr>") - 1; n != 2 {
		t.Errorf("action filter: %d rows, want 2", n)
	}
	// Rows link to their tenant's entries; the command line is no user.
	wantContains(t, body, `<a href="/support/audit?action=tenant.create&amp;tenant=`+supportID(b.ID)+`">新宿のバー</a>`)
	if strings.Contains(body, "actor_id=") {
		t.Error("an entry of no user links to a user's entries")
	}
	_, body = c.get("/support/audit?actor_id=" + supportID(other.ID))
	wantContains(t, body, "other-staff@poslink.example による記録を表示しています。")
	if n := strings.Count(body, "<tr>") - 1; n != 5 {
		t.Errorf("actor link: %d rows, want 5", n)
	}
	_, body = c.get("/support/audit?tenant_name=" + url.QueryEscape("存在しない店"))
	wantContains(t, body, "条件に合う記録はありません。")
}

// Dates are days in the operator's time zone, both ends included.
func TestSupportAuditLogDateRange(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "日付の店")
	jst := tokyo
	for _, at := range []time.Time{
		time.Date(2026, 11, 19, 23, 59, 59, 0, jst),
		time.Date(2026, 11, 20, 0, 0, 0, 0, jst),
		time.Date(2026, 11, 21, 23, 59, 59, 0, jst),
		time.Date(2026, 11, 22, 0, 0, 0, 0, jst),
	} {
		e.recordAt(t, at, audit.Entry{Actor: e.actor, Action: "tenant.rename", TenantID: tn.ID, Target: "tenant:1",
			Details: map[string]any{"from": "x", "to": at.Format("01/02 15:04:05")}})
	}
	_, body := c.get("/support/audit?tenant_name=" + url.QueryEscape("日付") + "&action=tenant.rename&from=2026-11-20&to=2026-11-21")
	wantContains(t, body, "「11/20 00:00:00」", "「11/21 23:59:59」", `value="2026-11-20"`, `value="2026-11-21"`, "Asia/Tokyo")
	if strings.Contains(body, "11/19 23:59:59") || strings.Contains(body, "11/22 00:00:00") {
		t.Error("the range shows entries outside it")
	}
	_, body = c.get("/support/audit?action=tenant.rename&from=2026-11-22&to=2026-11-22")
	if n := strings.Count(body, "<tr>") - 1; n != 1 {
		t.Errorf("one day: %d rows", n)
	}
}

// A filter that cannot be read is refused with 400 and the message on the
// page naming the field, and nothing is read or written.
func TestAuditFilterRefused(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)
	before := e.rowCounts(t)
	for _, cs := range []struct {
		query string
		want  []string
	}{
		{"from=2026-13-01", []string{"（開始日）", "日付を YYYY-MM-DD の形式で入力してください。", `value="2026-13-01"`}},
		{"to=yesterday", []string{"（終了日）", "日付を YYYY-MM-DD の形式で入力してください。"}},
		{"from=2026-11-23&to=2026-11-22", []string{"（終了日）", "終了日は開始日と同じか、それより後の日付にしてください。"}},
		{"action=link.nope", []string{"（操作）", "一覧にある操作を選んでください。"}},
		{"action=%3Cscript%3E", []string{"（操作）", "一覧にある操作を選んでください。"}},
		{"actor=" + strings.Repeat("a", 255), []string{"（操作者（メールアドレス））", "入力が長すぎます。"}},
		{"actor=" + url.QueryEscape("a\u202Eb"), []string{"文字の表示方向を変える制御文字は使用できません。"}},
		{"actor=" + url.QueryEscape("a\tb"), []string{"使用できない文字が含まれています。"}},
		{"before=x", []string{"このページへのリンクが正しくありません（ページの指定）。"}},
		{"from=x&action=y", []string{"（操作、開始日）"}},
	} {
		for _, who := range []struct {
			c    *client
			path string
		}{{c, "/support/audit"}, {c, "/support/audit.csv"}, {owner, "/audit"}, {owner, "/audit.csv"}} {
			res, body := who.c.get(who.path + "?" + cs.query)
			if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s?%s: %d %s, want 400 with the page", who.path, cs.query, res.StatusCode, res.Header.Get("Content-Type"))
				continue
			}
			wantContains(t, body, append([]string{`role="alert"`}, cs.want...)...)
			if strings.Contains(body, "<table") {
				t.Errorf("%s?%s shows entries", who.path, cs.query)
			}
		}
	}
	for _, cs := range []struct{ query, want string }{
		{"tenant=abc", "（テナントの指定）"},
		{"tenant=0", "（テナントの指定）"},
		{"actor_id=-1", "（操作者の指定）"},
		{"tenant_name=" + strings.Repeat("店", 101), "（テナント名）"},
	} {
		res, body := c.get("/support/audit?" + cs.query)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", cs.query, res.StatusCode)
		}
		wantContains(t, body, cs.want)
	}
	// Bytes no field takes are refused where the request comes in.
	for _, q := range []string{"actor=a%00b", "tenant_name=" + strings.Repeat("a", 10<<10), "from=%FF"} {
		if res, body := c.get("/support/audit?" + q); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%.40s: %d, want 400", q, res.StatusCode)
		} else {
			wantContains(t, body, "送信された値に使用できない文字が含まれているか、長すぎます。")
		}
	}
	if after := e.rowCounts(t); after != before {
		t.Errorf("rows changed: %s, then %s", before, after)
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
