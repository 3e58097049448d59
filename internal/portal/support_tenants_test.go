package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestSupportSetsUpATenant walks step ② of the manuals as staff do it:
// tenant, owner, camera; the owner can then log in and sees the camera.
func TestSupportSetsUpATenant(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()

	res, _ := c.get("/")
	if loc := res.Header.Get("Location"); loc != "/support/tenants" {
		t.Fatalf("staff home redirects to %q, want /support/tenants", loc)
	}
	res, body := c.get("/support/tenants")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /support/tenants: %d", res.StatusCode)
	}
	wantContains(t, body, "テナント一覧", "テナントが登録されていません。", "テナントを追加", "テナント名", "オーナー数", "カメラ数", "作成日")

	loc := postDone(t, c, "/support/tenants", url.Values{"name": {"  渋谷店  "}}, "テナント「渋谷店」を追加しました。")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/support/tenants/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect after creating a tenant: %q", loc)
	}
	tn, err := e.store.GetTenant(ctx, id)
	if err != nil || tn.Name != "渋谷店" {
		t.Fatalf("stored tenant %+v, %v", tn, err)
	}

	postDone(t, c, tenantPath(id)+"/owners", url.Values{"email": {"Owner@Shop.Example"}, "display_name": {"山田 太郎"},
		"password": {ownerPW}}, "オーナー owner@shop.example を追加しました。")
	postDone(t, c, tenantPath(id)+"/cameras", url.Values{"device_id": {"SF-0001"}, "name": {"レジ前カメラ"},
		"model": {"CC-2L_SF"}}, "カメラ「レジ前カメラ」を追加しました。")

	res, body = c.get(tenantPath(id))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET tenant page: %d", res.StatusCode)
	}
	wantContains(t, body, "渋谷店", "owner@shop.example", "山田 太郎", "有効", "利用停止", "パスワード再設定",
		"レジ前カメラ", "CC-2L_SF", "SF-0001", "未契約", "編集", "/support/audit?tenant="+strconv.FormatInt(id, 10))
	if strings.Contains(body, ownerPW) {
		t.Error("the owner's password is shown on the tenant page")
	}

	// The list counts them, and the search finds the tenant by each of its keys.
	_, body = c.get("/support/tenants")
	wantContains(t, body, `<a href="/support/tenants/`+strconv.FormatInt(id, 10)+`">渋谷店</a>`,
		`<td class="num">1</td>`, tn.CreatedAt.In(tokyo).Format("2006/01/02"))
	for _, q := range []string{"渋谷", "SHOP.example", "sf-00"} {
		_, body = c.get("/support/tenants?q=" + url.QueryEscape(q))
		wantContains(t, body, "渋谷店", `value="`+q+`"`)
	}
	_, body = c.get("/support/tenants?q=" + url.QueryEscape("新宿"))
	wantContains(t, body, "「新宿」に一致するものはありません。")
	if strings.Contains(body, "渋谷店") {
		t.Error("a search for another name lists the tenant")
	}

	// The owner set up by staff logs in and sees the camera.
	owner := e.login(t, "owner@shop.example", ownerPW)
	_, body = owner.get("/cameras")
	wantContains(t, body, "レジ前カメラ", "SF-0001", "渋谷店")

	// Every change was recorded with the staff member as actor.
	staff, _ := e.store.UserByEmail(ctx, staffEmail)
	var actions []string
	for _, a := range e.auditLog(t) {
		if a.TenantID == id {
			actions = append(actions, a.Action)
			if a.Actor.UserID != staff.ID || a.Actor.Label != staffEmail {
				t.Errorf("%s recorded by %+v, want the staff member", a.Action, a.Actor)
			}
		}
	}
	if got := strings.Join(actions, ","); got != "camera.create,user.create,tenant.create" {
		t.Errorf("audit actions %s", got)
	}
}

func TestSupportRenameTenant(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "旧店名")
	_, body := c.get(tenantPath(tn.ID))
	wantContains(t, body, "テナント名の変更", `value="旧店名"`)

	postDone(t, c, tenantPath(tn.ID), url.Values{"name": {"新店名"}}, "テナント名を「新店名」に変更しました。")
	if got, _ := e.store.GetTenant(context.Background(), tn.ID); got.Name != "新店名" {
		t.Errorf("name %q after renaming", got.Name)
	}
	a := e.auditLog(t)[0]
	if a.Action != "tenant.rename" || a.Actor.Label != staffEmail || a.Details["from"] != "旧店名" || a.Details["to"] != "新店名" {
		t.Errorf("audit entry %+v", a)
	}
}

func TestSupportTenantFormsRefuseBadInput(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "既存店")
	long := strings.Repeat("長", 101)
	cases := []struct {
		name, path, value, message string
	}{
		{"create empty", "/support/tenants", "   ", "入力してください。"},
		{"create too long", "/support/tenants", long, "100文字以内で入力してください。"},
		// NUL never gets this far: see badinput_test.go.
		{"create control character", "/support/tenants", "店\x1b名", "使用できない文字が含まれています。"},
		{"create newline", "/support/tenants", "店\n名", "使用できない文字が含まれています。"},
		{"rename empty", tenantPath(tn.ID), "", "入力してください。"},
		{"rename too long", tenantPath(tn.ID), long, "100文字以内で入力してください。"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.rowCounts(t)
			body := postRefused(t, c, tc.path, url.Values{"name": {tc.value}}, http.StatusBadRequest,
				"入力内容を確認してください。", tc.message)
			if tc.value == long && !strings.Contains(body, `value="`+long+`"`) {
				t.Error("the typed name is not kept in the form")
			}
			if after := e.rowCounts(t); after != before {
				t.Errorf("rows changed: %s, then %s", before, after)
			}
		})
	}
	if got, _ := e.store.GetTenant(context.Background(), tn.ID); got.Name != "既存店" {
		t.Errorf("name %q after refused renames", got.Name)
	}
}

func TestSupportTenantListShowsFirst200(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	// 201 tenants straight into the table: the store's one-by-one path
	// is not what this test is about.
	if _, err := e.pool.Exec(ctx, `INSERT INTO tenants (name) SELECT 'テナント' || g FROM generate_series(1, 201) g`); err != nil {
		t.Fatal(err)
	}
	_, body := c.get("/support/tenants")
	wantContains(t, body, "最初の200件のみ表示しています。", "テナント201", "テナント2<")
	if strings.Contains(body, "テナント1<") {
		t.Error("the 201st tenant (the oldest) is listed")
	}
	if n := strings.Count(body, `<a href="/support/tenants/`); n != 200 {
		t.Errorf("%d tenants listed, want 200", n)
	}
	_, body = c.get("/support/tenants?q=" + url.QueryEscape("テナント20"))
	if strings.Contains(body, "最初の200件") {
		t.Error("the truncation note shows for a search with few results")
	}
}

func TestSupportConsoleInEnglish(t *testing.T) {
	e, c := staffEnv(t)
	c.lang = "en"
	tn := e.tenant(t, "Shop")
	cam := e.camera(t, tn.ID, "cam-1", "Front", testNow.AddDate(0, 0, 3))
	for path, want := range map[string][]string{
		"/support/tenants":        {"Tenants", "Add a tenant", "Tenant name", "Owners", "Cameras", "Created", tn.CreatedAt.In(tokyo).Format("2006-01-02")},
		tenantPath(tn.ID):         {"Add an owner", "Initial password", "Add a camera", "Device ID", "Available from 2026-11-26", "This tenant&#39;s audit log"},
		cameraPath(tn.ID, cam.ID): {"Edit camera: Front", "POS link option", "Usable from", "fourth day", "Update"},
		"/support/audit":          {"Audit log", "Camera added", "POS link option set", "Date and time"},
	} {
		res, body := c.get(path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		wantContains(t, body, want...)
		if strings.Contains(body, "テナント一覧") || strings.Contains(body, "カメラ名") {
			t.Errorf("GET %s in English shows Japanese labels", path)
		}
	}
	res, body := c.postForm("/support/tenants", url.Values{"name": {""}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("empty name: %d", res.StatusCode)
	}
	wantContains(t, body, "Please check your input.", "Required.")
}
