package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/audit"
)

const (
	staffEmail = "staff@poslink.example"
	staffPW    = "staff-password-1"
)

// staffEnv is a portal with one staff member logged in.
func staffEnv(t *testing.T) (*env, *client) {
	t.Helper()
	e := newEnv(t)
	e.staff(t, staffEmail, staffPW)
	return e, e.login(t, staffEmail, staffPW)
}

// postDone posts a support form that must succeed: 303 to a page that shows
// the flash. It returns the redirect target.
func postDone(t *testing.T, c *client, path string, form url.Values, flash string) string {
	t.Helper()
	res, body := c.postForm(path, form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d, want 303; page:\n%s", path, res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	res, body = c.get(loc)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s after POST %s: status %d", loc, path, res.StatusCode)
	}
	wantContains(t, body, flash)
	return loc
}

// postRefused posts a support form that must be refused with status and
// show every one of want.
func postRefused(t *testing.T, c *client, path string, form url.Values, status int, want ...string) string {
	t.Helper()
	res, body := c.postForm(path, form)
	if res.StatusCode != status {
		t.Fatalf("POST %s %v: status %d, want %d; page:\n%s", path, form, res.StatusCode, status, body)
	}
	wantContains(t, body, want...)
	return body
}

func tenantPath(id int64) string { return "/support/tenants/" + strconv.FormatInt(id, 10) }

func cameraPath(tenantID, cameraID int64) string {
	return fmt.Sprintf("%s/cameras/%d", tenantPath(tenantID), cameraID)
}

func userPath(tenantID, userID int64, action string) string {
	return fmt.Sprintf("%s/users/%d/%s", tenantPath(tenantID), userID, action)
}

// count is the number of rows of a table, for checking that nothing was saved.
func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rowCounts is the size of every table a support form can write.
func (e *env) rowCounts(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("tenants=%d users=%d cameras=%d audit=%d", e.count(t, "tenants"), e.count(t, "users"),
		e.count(t, "cameras"), e.count(t, "audit_log"))
}

// auditLog is the whole audit log, newest first.
func (e *env) auditLog(t *testing.T) []audit.Entry {
	t.Helper()
	entries, err := audit.List(context.Background(), e.pool, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestSupportPagesForbiddenToOwners(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "cam-1", "カメラ", testNow)
	before := e.rowCounts(t)
	owner := e.login(t, ownerEmail, ownerPW)
	anon := e.client(t)

	gets := []string{"/support", "/support/tenants", "/support/tenants?q=x", tenantPath(tn.ID),
		cameraPath(tn.ID, cam.ID), "/support/audit", "/support/audit?tenant=1", "/support/no-such-page"}
	posts := map[string]url.Values{
		"/support/tenants":                 {"name": {"乗っ取り"}},
		tenantPath(tn.ID):                  {"name": {"乗っ取り"}},
		tenantPath(tn.ID) + "/owners":      {"email": {"x@shop.example"}, "password": {"password-123"}},
		userPath(tn.ID, u.ID, "disable"):   nil,
		userPath(tn.ID, u.ID, "enable"):    nil,
		userPath(tn.ID, u.ID, "password"):  {"password": {"new-password-1"}},
		tenantPath(tn.ID) + "/cameras":     {"device_id": {"cam-x"}, "name": {"x"}},
		cameraPath(tn.ID, cam.ID):          {"device_id": {"cam-x"}, "name": {"x"}},
		cameraPath(tn.ID, cam.ID) + "/pos": {"pos": {"off"}},
	}
	for _, path := range gets {
		if res, body := owner.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("owner GET %s: %d, want 403", path, res.StatusCode)
		} else {
			wantContains(t, body, "このページを表示する権限がありません。")
		}
		res, _ := anon.get(path)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("anonymous GET %s: %d → %q, want 303 → /login", path, res.StatusCode, loc)
		}
	}
	for path, form := range posts {
		if res, _ := owner.postForm(path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("owner POST %s: %d, want 403", path, res.StatusCode)
		}
		res, _ := anon.postForm(path, form)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login" {
			t.Errorf("anonymous POST %s: %d → %q, want 303 → /login", path, res.StatusCode, loc)
		}
	}
	if after := e.rowCounts(t); after != before {
		t.Errorf("rows changed: %s, then %s", before, after)
	}
	if got, _ := e.store.User(context.Background(), u.ID); got.Disabled {
		t.Error("the owner disabled themselves through the support console")
	}
}

func TestSupportOtherTenantsIDsAreNotFound(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	a := e.tenant(t, "テナントA")
	b := e.tenant(t, "テナントB")
	ownerB := e.owner(t, b.ID, "owner-b@shop.example", ownerPW)
	camB := e.camera(t, b.ID, "cam-b", "Bのカメラ", testNow)
	staff, err := e.store.UserByEmail(ctx, staffEmail)
	if err != nil {
		t.Fatal(err)
	}
	before := e.rowCounts(t)
	const notFound = "お探しのページ、またはデータは見つかりませんでした。"

	// B's camera and owner under A's URL.
	if res, body := c.get(cameraPath(a.ID, camB.ID)); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET B's camera under A: %d, want 404", res.StatusCode)
	} else {
		wantContains(t, body, notFound)
	}
	for path, form := range map[string]url.Values{
		cameraPath(a.ID, camB.ID):             {"device_id": {"cam-stolen"}, "name": {"盗む"}},
		cameraPath(a.ID, camB.ID) + "/pos":    {"pos": {"off"}},
		userPath(a.ID, ownerB.ID, "disable"):  nil,
		userPath(a.ID, ownerB.ID, "enable"):   nil,
		userPath(a.ID, ownerB.ID, "password"): {"password": {"stolen-password-1"}},
		// Staff users belong to no tenant: not reachable through any.
		userPath(a.ID, staff.ID, "disable"):  nil,
		userPath(a.ID, staff.ID, "password"): {"password": {"stolen-password-1"}},
	} {
		postRefused(t, c, path, form, http.StatusNotFound, notFound)
	}

	// Unknown pages and methods get the portal's pages, not chi's plain text.
	for path, status := range map[string]int{"/support/nothing": 404, tenantPath(a.ID) + "/nothing": 404,
		tenantPath(a.ID) + "/owners": 405, "/support/audit/x": 404} {
		res, body := c.get(path)
		if res.StatusCode != status || !strings.Contains(body, "<html") {
			t.Errorf("GET %s: %d, want %d with the portal's error page; body %q", path, res.StatusCode, status, body)
		}
	}

	// Bad and unknown IDs.
	for _, path := range []string{
		"/support/tenants/abc", "/support/tenants/0", "/support/tenants/-1", "/support/tenants/99999999999999999999",
		"/support/tenants/999999", tenantPath(b.ID) + "/cameras/abc", tenantPath(b.ID) + "/cameras/999999",
		"/support/tenants/999999/cameras/" + strconv.FormatInt(camB.ID, 10),
	} {
		if res, _ := c.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{
		"/support/tenants/abc", "/support/tenants/999999/owners", "/support/tenants/999999/cameras",
		tenantPath(b.ID) + "/users/abc/disable", tenantPath(b.ID) + "/users/999999/password",
	} {
		postRefused(t, c, path, url.Values{"name": {"x"}, "email": {"x@shop.example"}, "password": {"password-123"},
			"device_id": {"cam-x"}}, http.StatusNotFound, notFound)
	}

	if after := e.rowCounts(t); after != before {
		t.Errorf("rows changed: %s, then %s", before, after)
	}
	cam, err := e.store.Camera(ctx, b.ID, camB.ID)
	if err != nil || cam.DeviceID != "cam-b" || !cam.POSEnabled {
		t.Errorf("B's camera changed: %+v, %v", cam, err)
	}
	if u, _ := e.store.User(ctx, ownerB.ID); u.Disabled {
		t.Error("B's owner was disabled through A's URL")
	}
	e.login(t, "owner-b@shop.example", ownerPW) // the password is unchanged
}

func supportID(n int64) string { return strconv.FormatInt(n, 10) }

// assertNoSecretInAudit fails if any audit entry, as stored or as the audit
// page shows it, holds one of the secrets.
func assertNoSecretInAudit(t *testing.T, e *env, secrets ...string) {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT action, details::text FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, details string
		if err := rows.Scan(&action, &details); err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(details, s) {
				t.Errorf("audit entry %s holds a secret: %s", action, details)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	_, page := e.login(t, staffEmail, staffPW).get("/support/audit")
	for _, s := range secrets {
		if strings.Contains(page, s) {
			t.Errorf("the audit page shows a secret")
		}
	}
}
