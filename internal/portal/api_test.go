package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/poslink/poslink/internal/i18n"
)

var tokenPattern = regexp.MustCompile(`plk_[A-Za-z0-9_-]{43}`)

// createToken makes a viewer token through the owner's page and returns
// its secret, read from the one page that shows it.
func createToken(t *testing.T, owner *client, name string) string {
	t.Helper()
	res, body := owner.postForm("/tokens", map[string][]string{"name": {name}})
	secret := tokenPattern.FindString(body)
	if res.StatusCode != http.StatusCreated || secret == "" {
		t.Fatalf("create token: %d\n%.3000s", res.StatusCode, body)
	}
	return secret
}

type apiCameras struct {
	Cameras []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		DeviceID  string `json:"device_id"`
		POSOption struct {
			State      string `json:"state"`
			UsableFrom string `json:"usable_from"`
		} `json:"pos_option"`
	} `json:"cameras"`
}

func cameraNames(t *testing.T, body []byte) []string {
	t.Helper()
	var v apiCameras
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("cameras: %v\n%s", err, body)
	}
	var names []string
	for _, c := range v.Cameras {
		names = append(names, c.Name+"/"+c.DeviceID+"/"+c.POSOption.State+"/"+c.POSOption.UsableFrom)
	}
	return names
}

// GET /api/v1/cameras answers the tenant's cameras, with the owner's
// session or with a token the owner made, and never another tenant's.
func TestAPICamerasWithSessionAndToken(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(t, "A店"), e.tenant(t, "B店")
	e.owner(t, a.ID, ownerEmail, ownerPW)
	e.owner(t, b.ID, "b@shop.example", ownerPW)
	e.camera(t, a.ID, "cam-a1", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	e.camera(t, a.ID, "cam-a2", "入口カメラ", time.Time{})
	e.camera(t, a.ID, "cam-a3", "倉庫カメラ", testNow.AddDate(0, 0, 3))
	e.camera(t, b.ID, "cam-b1", "B店のカメラ", testNow.AddDate(0, 0, -5))
	ownerA, ownerB := e.login(t, ownerEmail, ownerPW), e.login(t, "b@shop.example", ownerPW)
	want := "[レジ前カメラ/cam-a1/usable/2026-11-18 入口カメラ/cam-a2/off/ 倉庫カメラ/cam-a3/waiting/2026-11-26]"

	res, body := apiCall(t, e, ownerA, http.MethodGet, "/api/v1/cameras", "")
	if got := strings.Join(cameraNames(t, body), " "); res.StatusCode != 200 || "["+got+"]" != want {
		t.Errorf("with the session: %d %s", res.StatusCode, got)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	tokenA := createToken(t, ownerA, "viewer")
	res, body = apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras", tokenA)
	if got := strings.Join(cameraNames(t, body), " "); res.StatusCode != 200 || "["+got+"]" != want {
		t.Errorf("with the token: %d %s", res.StatusCode, got)
	}
	tokenB := createToken(t, ownerB, "viewer")
	_, body = apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras", tokenB)
	if got := cameraNames(t, body); len(got) != 1 || !strings.HasPrefix(got[0], "B店のカメラ/") {
		t.Errorf("B's token reads %v", got)
	}
	// A token is judged alone: A's session with B's token reads B's.
	_, body = apiCall(t, e, ownerA, http.MethodGet, "/api/v1/cameras", tokenB)
	if got := cameraNames(t, body); len(got) != 1 || !strings.HasPrefix(got[0], "B店のカメラ/") {
		t.Errorf("A's session with B's token reads %v", got)
	}
}

// Whatever is not a live token is 401 with a stable problem type and the
// Bearer challenge; staff logged in to the portal are 403.
func TestAPIRefusesCredentials(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "A店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	owner := e.login(t, ownerEmail, ownerPW)
	live := createToken(t, owner, "live")
	revoked := createToken(t, owner, "revoked")
	expired := createToken(t, owner, "expired")
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `UPDATE api_tokens SET created_at = $1, expires_at = $2 WHERE name = 'expired'`,
		testNow.Add(-2*time.Hour), testNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var revokedID string
	if err := e.pool.QueryRow(ctx, `SELECT id::text FROM api_tokens WHERE name = 'revoked'`).Scan(&revokedID); err != nil {
		t.Fatal(err)
	}
	if res, _ := owner.postForm("/tokens/"+revokedID+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	for name, c := range map[string]struct {
		header, message string
	}{
		"missing":        {"", "err.api_auth_required"},
		"basic":          {"Basic dXNlcjpwYXNz", "err.api_auth_scheme"},
		"bearer alone":   {"Bearer", "err.api_auth_scheme"},
		"empty bearer":   {"Bearer ", "err.api_auth_scheme"},
		"malformed":      {"Bearer plk_short", "err.api_token_invalid"},
		"no prefix":      {"Bearer " + live[4:], "err.api_token_invalid"},
		"unknown":        {"Bearer plk_" + strings.Repeat("x", 43), "err.api_token_invalid"},
		"expired":        {"Bearer " + expired, "err.api_token_expired"},
		"revoked":        {"Bearer " + revoked, "err.api_token_revoked"},
		"lower case ok?": {"bearer " + live, ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/cameras", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		validateAPI(t, req, res, body)
		if c.message == "" {
			if res.StatusCode != 200 {
				t.Errorf("%s: %d %s", name, res.StatusCode, body)
			}
			continue
		}
		p := apiProblem(t, body)
		challenge := res.Header.Get("WWW-Authenticate")
		if res.StatusCode != 401 || p.Type != "/problems/unauthorized" || p.Detail != i18n.T(i18n.JA, c.message) ||
			!strings.HasPrefix(challenge, `Bearer realm="poslink"`) || (c.header != "") != strings.Contains(challenge, "invalid_token") {
			t.Errorf("%s: %d %q %s", name, res.StatusCode, challenge, body)
		}
		if strings.Contains(string(body), live) || (len(c.header) > 7 && strings.Contains(string(body), c.header[7:])) {
			t.Errorf("%s: the answer repeats the token", name)
		}
	}
	// The viewer API is the owners': staff use the console.
	staff := e.login(t, staffEmail, staffPW)
	res, body := apiCall(t, e, staff, http.MethodGet, "/api/v1/cameras", "")
	if p := apiProblem(t, body); res.StatusCode != 403 || p.Type != "/problems/forbidden" {
		t.Errorf("staff: %d %s", res.StatusCode, body)
	}
	// An answer in the reader's language.
	owner.lang = "en"
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/cameras", nil)
	req.Header.Set("Authorization", "Bearer "+revoked)
	res, s := owner.do(req)
	validateAPI(t, req, res, []byte(s))
	if p := apiProblem(t, []byte(s)); p.Detail != i18n.T(i18n.EN, "err.api_token_revoked") {
		t.Errorf("in English: %s", s)
	}
}

// The API is read-only: a token (or a session) changes nothing; other
// methods are 405 problem documents. Bad parameters are 400 naming the
// parameter; an unknown path is 404.
func TestAPIReadOnlyAndBadParameters(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "A店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)
	token := createToken(t, owner, "viewer")
	before := pureSnapshot(t, e)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, p := range []string{"/api/v1/cameras", "/api/v1/openapi.json"} {
			res, body := apiCall(t, e, nil, m, p, token)
			if pr := apiProblem(t, body); res.StatusCode != http.StatusMethodNotAllowed || pr.Type != "/problems/method-not-allowed" {
				t.Errorf("%s %s: %d %s", m, p, res.StatusCode, body)
			}
		}
	}
	for name, q := range map[string]string{"NUL": "x=%00", "invalid UTF-8": "x=%FF", "too long": "x=" + strings.Repeat("a", 4<<10+1)} {
		res, body := apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras?"+q, token)
		p := apiProblem(t, body)
		if res.StatusCode != 400 || p.Type != "/problems/invalid" || len(p.Errors) != 1 || p.Errors[0].Field != "x" {
			t.Errorf("%s: %d %s", name, res.StatusCode, body)
		}
	}
	for _, p := range []string{"/api/v1/nothing", "/api/v1/cameras/1/nothing", "/api/v1/"} {
		res, body := apiCall(t, e, nil, http.MethodGet, p, token)
		if pr := apiProblem(t, body); res.StatusCode != 404 || pr.Type != "/problems/not-found" {
			t.Errorf("%s: %d %s", p, res.StatusCode, body)
		}
	}
	// The reads above wrote nothing, not even the token's last use.
	after := pureSnapshot(t, e)
	for table := range before {
		if before[table] != after[table] {
			t.Errorf("table %s changed", table)
		}
	}
}

// The document is served to anyone, as a valid OpenAPI 3 document that
// covers every operation the issue names.
func TestAPIServesItsOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	res, body := apiCall(t, e, nil, http.MethodGet, "/api/v1/openapi.json", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/cameras", "/cameras/{cameraID}/transactions", "/cameras/{cameraID}/transactions/stream",
		"/transactions/{transactionID}", "/transactions/{transactionID}/thumbnail"} {
		if doc.Paths.Find(p) == nil || doc.Paths.Find(p).Get == nil {
			t.Errorf("no GET %s", p)
		}
	}
	params := map[string]bool{}
	for _, p := range doc.Paths.Find("/cameras/{cameraID}/transactions").Get.Parameters {
		params[p.Value.Name] = true
	}
	for _, name := range []string{"cameraID", "from", "to", "kind", "q", "limit", "cursor"} {
		if !params[name] {
			t.Errorf("the transactions list lacks the parameter %s", name)
		}
	}
}
