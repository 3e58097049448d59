package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

const (
	ownerEmail = "owner@shop.example"
	ownerPW    = "correct-horse-1"
)

func TestLoginRightPasswordShowsCameras(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "テスト店舗")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.camera(t, tn.ID, "cam-1", "レジ前カメラ", testNow.AddDate(0, 0, -1))

	c := e.client(t)
	res, body := c.get("/login")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", res.StatusCode)
	}
	wantContains(t, body, "カメラ - POS 認証連携ポータル", "メールアドレス", "パスワード", "ログイン")

	// E-mail in another case and with spaces still logs in.
	res, _ = c.postForm("/login", url.Values{"email": {"  Owner@Shop.Example "}, "password": {ownerPW}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("login: %d → %q, want 303 → /", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = c.get("/")
	if loc := res.Header.Get("Location"); loc != "/cameras" {
		t.Fatalf("owner home redirects to %q, want /cameras", loc)
	}
	res, body = c.get("/cameras")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /cameras: %d", res.StatusCode)
	}
	wantContains(t, body, "カメラ一覧", "レジ前カメラ", "cam-1", "利用可能", "テスト店舗", ownerEmail)
}

func TestLoginFailuresGiveOneGenericMessage(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	const generic = "メールアドレスまたはパスワードが正しくありません。"
	cases := map[string]url.Values{
		"wrong password": {"email": {ownerEmail}, "password": {"wrong-password"}},
		"unknown e-mail": {"email": {"nobody@shop.example"}, "password": {ownerPW}},
		"empty":          {"email": {""}, "password": {""}},
		// Longer than any field takes, within what a request may bring
		// (httpx.MaxValueBytes; beyond it is 400, see badinput_test.go).
		"oversized": {"email": {strings.Repeat("a", 300) + "@x.example"}, "password": {strings.Repeat("p", 4000)}},
		"hostile":   {"email": {"' OR 1=1 --"}, "password": {"<script>alert(1)</script>"}},
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			c := e.client(t)
			res, body := c.postForm("/login", form)
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", res.StatusCode)
			}
			wantContains(t, body, generic)
			if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, form.Get("password")) && form.Get("password") != "" {
				t.Error("the password or unescaped input came back in the page")
			}
			if c.cookie("poslink_session") != "" {
				if res, _ := c.get("/cameras"); res.StatusCode != http.StatusSeeOther {
					t.Errorf("after a failed login /cameras gives %d, want a redirect to login", res.StatusCode)
				}
			}
		})
	}
}

func TestLoginDisabledUser(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	if err := e.store.SetUserDisabled(context.Background(), e.actor, u.ID, true); err != nil {
		t.Fatal(err)
	}
	res, body := e.client(t).postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", res.StatusCode)
	}
	wantContains(t, body, "このアカウントは利用停止中です")
}

func TestDisablingEndsOpenSessions(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	c := e.login(t, ownerEmail, ownerPW)
	if res, _ := c.get("/cameras"); res.StatusCode != http.StatusOK {
		t.Fatalf("before disabling: %d", res.StatusCode)
	}
	if err := e.store.SetUserDisabled(context.Background(), e.actor, u.ID, true); err != nil {
		t.Fatal(err)
	}
	res, _ := c.get("/cameras")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after disabling: %d → %q, want a redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLoginThrottling(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	c := e.client(t)
	for i := range 5 {
		if res, _ := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {"wrong"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, res.StatusCode)
		}
	}
	// Now even the right password is refused, with a message saying why.
	res, body := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d, want 429", res.StatusCode)
	}
	wantContains(t, body, "一時的にログインを制限しています", "15分後")
	// The wait in whole seconds, up to the 15 minutes of the window.
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 15*60 {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	// Another account from another address is not affected.
	e.owner(t, tn.ID, "other@shop.example", ownerPW)
	other := e.client(t)
	if res, _ := other.postForm("/login", url.Values{"email": {"other@shop.example"}, "password": {ownerPW}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another account: %d, want 303", res.StatusCode)
	}
}

func TestLoginThrottlingPerClientAddress(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	c := e.client(t)
	// One address guessing across many accounts is stopped too.
	for i := range 30 {
		email := "guess" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@shop.example"
		if res, _ := c.postForm("/login", url.Values{"email": {email}, "password": {"guess"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, res.StatusCode)
		}
	}
	res, body := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 30 failures from one address: status %d, want 429", res.StatusCode)
	}
	wantContains(t, body, "一時的にログインを制限しています")
}

func TestSessionTokenChangesAtLoginAndLogout(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	c := e.client(t)
	// An anonymous logout leaves a session holding only its flash message:
	// a token that exists before login, as a planted one would.
	c.postForm("/logout", nil)
	before := c.cookie("poslink_session")
	if before == "" {
		t.Fatal("no pre-login session cookie to compare with")
	}
	c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	during := c.cookie("poslink_session")
	if during == "" || during == before {
		t.Fatalf("session token not renewed at login: before %q, after %q", before, during)
	}
	// The old token does not carry the login.
	old := e.client(t)
	old.http.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: "poslink_session", Value: before}})
	if res, _ := old.get("/cameras"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pre-login token reaches /cameras: %d", res.StatusCode)
	}

	res, _ := c.postForm("/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	after := c.cookie("poslink_session")
	if after == during {
		t.Fatal("session token not renewed at logout")
	}
	_, body := c.get("/login")
	wantContains(t, body, "ログアウトしました。")
	if res, _ = c.get("/cameras"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout /cameras: %d, want redirect to login", res.StatusCode)
	}
	// The logged-in token, replayed, is dead too.
	replay := e.client(t)
	replay.http.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: "poslink_session", Value: during}})
	if res, _ := replay.get("/cameras"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logged-out token still reaches /cameras: %d", res.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	res, _ := e.client(t).postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	var sc string
	for _, h := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "poslink_session=") {
			sc = h
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %s", sc, want)
		}
	}
}

func TestLoginRedirectsBackToRequestedPage(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "cam-1", "入口", testNow)
	c := e.client(t)
	path := "/cameras/" + itoa(cam.ID)
	res, _ := c.get(path)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(path) {
		t.Fatalf("anonymous %s: %d → %q", path, res.StatusCode, loc)
	}
	_, body := c.get(loc)
	wantContains(t, body, `value="`+path+`"`)
	res, _ = c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}, "next": {path}})
	if got := res.Header.Get("Location"); got != path {
		t.Fatalf("after login → %q, want %q", got, path)
	}
	// A next that leads off-site is ignored.
	c2 := e.client(t)
	res, _ = c2.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}, "next": {"//evil.example/x"}})
	if got := res.Header.Get("Location"); got != "/" {
		t.Fatalf("off-site next → %q, want /", got)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPasswordResetEndsOpenSessions(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	c := e.login(t, ownerEmail, ownerPW)
	if err := e.store.SetPassword(context.Background(), e.actor, u.ID, "a-new-password"); err != nil {
		t.Fatal(err)
	}
	res, _ := c.get("/cameras")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("session opened before the reset: %d → %q, want a redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}
	// A session opened with the new password lives on.
	fresh := e.login(t, ownerEmail, "a-new-password")
	if res, _ := fresh.get("/cameras"); res.StatusCode != http.StatusOK {
		t.Fatalf("new session: %d", res.StatusCode)
	}
}
