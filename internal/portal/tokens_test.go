package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The owner creates a token on ビューア用APIトークン and sees it once, on an
// answer no cache keeps; the list shows its name, expiry and last use but
// never the secret; revoking it (confirmed) ends it at once, and both are
// in the owner's 操作履歴.
func TestTokenPageLifecycle(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(t, "A店"), e.tenant(t, "B店")
	e.owner(t, a.ID, ownerEmail, ownerPW)
	e.owner(t, b.ID, "b@shop.example", ownerPW)
	owner, other := e.login(t, ownerEmail, ownerPW), e.login(t, "b@shop.example", ownerPW)

	res, body := owner.postForm("/tokens", url.Values{"name": {"事務所のビューア"}, "expires": {"2026-12-31"}})
	secret := tokenPattern.FindString(body)
	if res.StatusCode != http.StatusCreated || secret == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created: %d %q\n%.2000s", res.StatusCode, res.Header.Get("Cache-Control"), body)
	}
	wantContains(t, body, "このトークンは今回だけ表示されます", "/api/v1/openapi.json")
	_, page := owner.get("/tokens")
	wantContains(t, page, "ビューア用APIトークン", "事務所のビューア", "2027/01/01 00:00:00", "未使用", "有効")
	if tokenPattern.MatchString(page) {
		t.Errorf("the list shows a token")
	}
	if res, _ := apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras", secret); res.StatusCode != 200 {
		t.Fatalf("the new token: %d", res.StatusCode)
	}
	_, page = owner.get("/tokens")
	wantContains(t, page, "2026/11/23 12:00:00")
	if strings.Contains(page, "未使用") {
		t.Errorf("the last use is not shown")
	}

	var id string
	if err := e.pool.QueryRow(context.Background(), `SELECT id::text FROM api_tokens`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Another tenant's owner cannot see or revoke it.
	for _, try := range []func() (*http.Response, string){
		func() (*http.Response, string) { return other.get("/tokens/" + id + "/revoke") },
		func() (*http.Response, string) { return other.postForm("/tokens/"+id+"/revoke", nil) },
	} {
		if res, _ := try(); res.StatusCode != http.StatusNotFound {
			t.Errorf("another tenant: %d", res.StatusCode)
		}
	}
	res, page = owner.get("/tokens/" + id + "/revoke")
	if res.StatusCode != 200 {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	wantContains(t, page, "トークン「事務所のビューア」を失効させます", `action="/tokens/`+id+`/revoke"`)
	if res, _ := owner.postForm("/tokens/"+id+"/revoke", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tokens" {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	_, page = owner.get("/tokens")
	wantContains(t, page, "トークン「事務所のビューア」を失効させました。", "失効（2026/11/23 12:00:00）")
	if res, _ := apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras", secret); res.StatusCode != 401 {
		t.Errorf("a revoked token: %d", res.StatusCode)
	}
	_, page = owner.get("/audit")
	wantContains(t, page, "ビューア用APIトークン「事務所のビューア」を発行しました（有効期限 2027/01/01 00:00）。",
		"ビューア用APIトークン「事務所のビューア」を失効させました（有効 → 失効）。")
}

// A bad name or expiry shows the form again with its message, nothing saved.
func TestTokenFormRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	a := e.tenant(t, "A店")
	e.owner(t, a.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"no name":      {url.Values{"name": {" "}}, "入力してください。"},
		"bad date":     {url.Values{"name": {"x"}, "expires": {"2026-13-01"}}, "日付を YYYY-MM-DD の形式で入力してください。"},
		"past date":    {url.Values{"name": {"x"}, "expires": {"2026-11-22"}}, "今日以降の日付を入力してください。"},
		"bidi in name": {url.Values{"name": {"abc\u202Eexe"}}, ""},
	} {
		res, body := owner.postForm("/tokens", c.form)
		if res.StatusCode != http.StatusBadRequest || tokenPattern.MatchString(body) || !visibleMessage(body) ||
			(c.msg != "" && !strings.Contains(body, c.msg)) {
			t.Errorf("%s: %d\n%.2000s", name, res.StatusCode, body)
		}
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM api_tokens`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d tokens saved (%v)", n, err)
	}
	// Today is the shortest expiry: the token works through the day.
	if res, body := owner.postForm("/tokens", url.Values{"name": {"today"}, "expires": {"2026-11-23"}}); res.StatusCode != http.StatusCreated {
		t.Errorf("today: %d\n%.2000s", res.StatusCode, body)
	}
}
