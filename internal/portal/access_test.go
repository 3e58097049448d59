package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestOwnerCannotSeeAnotherTenantsCamera(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(t, "店A"), e.tenant(t, "店B")
	e.owner(t, a.ID, "a@shop.example", ownerPW)
	e.owner(t, b.ID, "b@shop.example", ownerPW)
	camA := e.camera(t, a.ID, "cam-a", "Aのカメラ", testNow)
	camB := e.camera(t, b.ID, "cam-b", "Bのカメラ", testNow)

	c := e.login(t, "a@shop.example", ownerPW)
	res, body := c.get("/cameras/" + itoa(camA.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("own camera: %d", res.StatusCode)
	}
	wantContains(t, body, "Aのカメラ", "cam-a")

	res, body = c.get("/cameras/" + itoa(camB.ID))
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("other tenant's camera: %d, want 404", res.StatusCode)
	}
	if strings.Contains(body, "Bのカメラ") || strings.Contains(body, "cam-b") {
		t.Fatal("404 page leaks the other tenant's camera")
	}
	_, body = c.get("/cameras")
	if strings.Contains(body, "Bのカメラ") {
		t.Fatal("camera list shows the other tenant's camera")
	}
	for _, p := range []string{"/cameras/0", "/cameras/-1", "/cameras/abc", "/cameras/99999999999999999999", "/cameras/1%27%20OR%201=1"} {
		if res, _ := c.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
}

func TestStaffPagesForbiddenToOwnersAndAnonymous(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)
	anon := e.client(t)
	for _, p := range []string{"/support/tenants", "/support/tenants/" + itoa(tn.ID), "/support/audit"} {
		res, body := owner.get(p)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("owner GET %s: %d, want 403", p, res.StatusCode)
		}
		wantContains(t, body, "権限がありません")
		res, _ = anon.get(p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("anonymous GET %s: %d → %q, want redirect to /login", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// Posting to the console as an owner changes nothing.
	res, _ := owner.postForm("/support/tenants", url.Values{"name": {"乗っ取り"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("owner POST /support/tenants: %d, want 403", res.StatusCode)
	}
	tenants, err := e.store.ListTenants(t.Context(), "乗っ取り", 10)
	if err != nil || len(tenants) != 0 {
		t.Fatalf("owner's POST created a tenant: %v %v", tenants, err)
	}
}

func TestStaffHomeIsTheConsoleAndOwnerPagesAreNot(t *testing.T) {
	e := newEnv(t)
	e.staff(t, "staff@poslink.example", ownerPW)
	c := e.login(t, "staff@poslink.example", ownerPW)
	res, _ := c.get("/")
	if loc := res.Header.Get("Location"); loc != "/support/tenants" {
		t.Fatalf("staff home → %q", loc)
	}
	if res, _ := c.get("/cameras"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("staff GET /cameras: %d, want 403 (staff have no tenant)", res.StatusCode)
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, "staff@poslink.example", ownerPW)
	staff := e.login(t, "staff@poslink.example", ownerPW)

	for name, hdr := range map[string][2]string{
		"cross-site fetch": {"https://evil.example", "cross-site"},
		"foreign origin":   {"https://evil.example", ""},
		"same-site, other": {"http://other.127.0.0.1.nip.io", "same-site"},
	} {
		t.Run(name, func(t *testing.T) {
			staff.origin, staff.fetchSite = hdr[0], hdr[1]
			res, body := staff.postForm("/support/tenants", url.Values{"name": {"CSRFテナント"}})
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", res.StatusCode)
			}
			wantContains(t, body, "他のサイトからの送信は受け付けられません")
			got, err := e.store.ListTenants(t.Context(), "CSRFテナント", 10)
			if err != nil || len(got) != 0 {
				t.Fatalf("cross-origin POST created a tenant: %v %v", got, err)
			}
		})
	}
	// A cross-origin login attempt (login CSRF) is refused as well.
	anon := e.client(t)
	anon.origin, anon.fetchSite = "https://evil.example", "cross-site"
	if res, _ := anon.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin login: %d, want 403", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	res, _ := e.client(t).get("/login")
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, d := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %s", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if res.Header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	if res, body := c.get("/healthz"); res.StatusCode != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", res.StatusCode, body)
	}
	if res, body := c.get("/readyz"); res.StatusCode != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", res.StatusCode, body)
	}
	e.pool.Close()
	if res, _ := c.get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database gone: %d, want 503", res.StatusCode)
	}
	if res, _ := c.get("/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz with the database gone: %d, want 200", res.StatusCode)
	}
}

func TestLanguageNegotiationAndSwitch(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	_, body := c.get("/login")
	wantContains(t, body, `<html lang="ja">`, "メールアドレス")

	c.lang = "en-US,en;q=0.9"
	_, body = c.get("/login")
	wantContains(t, body, `<html lang="en">`, "E-mail", "Log in")

	// The switch wins over the header and is remembered.
	res, _ := c.postForm("/lang", url.Values{"lang": {"ja"}, "next": {"/login"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("POST /lang: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = c.get("/login")
	wantContains(t, body, `<html lang="ja">`)

	for _, bad := range []url.Values{{"lang": {"xx"}}, {}, {"lang": {strings.Repeat("e", 10000)}}} {
		if res, _ := c.postForm("/lang", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /lang %v: %d, want 400", bad, res.StatusCode)
		}
	}
	// An off-site next is not followed.
	res, _ = c.postForm("/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example/"}})
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Fatalf("off-site next → %q", loc)
	}
}

func TestUnknownPagesAndMethods(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	res, body := c.get("/no/such/page")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown page: %d", res.StatusCode)
	}
	wantContains(t, body, "ページが見つかりません")
	if res, _ := c.postForm("/healthz", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz: %d, want 405", res.StatusCode)
	}
	if res, _ := c.get("/static/app.css"); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := c.get("/static/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("static directory listing: %d, want 404", res.StatusCode)
	}
}
