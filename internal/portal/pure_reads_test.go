package portal_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dashboard/dashtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/sim/sandbox"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// The README's promise: no GET changes anything. An owner and a staff
// member load every page of the portal, with links in every state that
// once made a page write (a Smaregi link whose register Smaregi renamed,
// one whose secret Smaregi no longer accepts, an old-API link past the
// cut-over that nothing has marked yet, a Ubiregi link), and every table,
// the sessions included (the idle expiry moves at most once a minute), is
// exactly as it was.
func TestEveryPageReadsWithoutWriting(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tn := e.tenant(t, "読むだけの店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	cam := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	cam2 := e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	camWait := e.camera(t, tn.ID, "cam-backyard", "バックヤードカメラ", testNow.AddDate(0, 0, 3))
	owner := e.login(t, ownerEmail, ownerPW)

	// A Ubiregi link with a terminal bound.
	cb := ubConsent(t, owner, ubConnect(t, owner), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	getFollow(t, owner, cb)
	ub := e.ubConnection(t, tn.ID)
	ubTerms := e.ubTerminals(t, tn.ID, ub.ID)
	postDone(t, owner, "/ubiregi/"+itoa(ub.ID)+"/bind", url.Values{"terminal": {ubTerms[0].Key}, "camera": {itoa(cam.ID)}, "binding": {"0"}}, "")

	// A Smaregi link with a register bound, which Smaregi has renamed since.
	sm := pureSmaregiLink(t, e, owner, tn.ID, e.sims.Info.Smaregi.ContractID)
	postDone(t, owner, connPath(sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(cam.ID)}, "binding": {"0"}}, "")
	if _, err := e.pool.Exec(ctx, `UPDATE terminal_bindings SET terminal_name = '旧レジ名', store_name = '旧店名'
		WHERE connection_id = $1`, sm.ID); err != nil {
		t.Fatal(err)
	}
	// Sales on the camera's dashboard, one of them changed since.
	for i, kind := range []string{"payment", "cancel", "payment"} {
		id := dashtest.Insert(t, e.pool, tn.ID, sm.ID, dashtest.Txn{CameraID: cam.ID, SoldAt: testNow.Add(-time.Duration(i+1) * time.Hour),
			Kind: kind, Total: 1000, Deposit: 1000, ReceiptNo: "R" + itoa(int64(i)), TerminalKey: "1:1", TerminalName: "レジ1"})
		if i == 2 {
			dashtest.Revise(t, e.pool, id, false, "modify", 900)
		}
	}
	// A Smaregi link whose secret was reissued at Smaregi.
	other, err := e.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "skpure02", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	refused := pureSmaregiLink(t, e, owner, tn.ID, other.ID)
	postDone(t, owner, connPath(refused.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(cam2.ID)}, "binding": {"0"}}, "")
	if _, err := e.sims.Smaregi.ReissueSecret(other.ID); err != nil {
		t.Fatal(err)
	}
	must(t, e.sims.Smaregi.RevokeTokens(other.ID))
	// An old-API link imported before the cut-over, which has passed since.
	e.simClock.Set(time.Date(2026, 1, 20, 12, 0, 0, 0, jst))
	legacy, err := e.smaregi.ImportLegacy(ctx, e.actor, tn.ID, smaregilink.LegacyImport{ContractID: "skpure03", AccessToken: "legacy-token-pure",
		Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "2", CameraID: cam2.ID}}})
	if err != nil || legacy.Status != link.Active {
		t.Fatalf("import before the cut-over: %+v, %v", legacy, err)
	}
	e.simClock.Set(testNow)

	// Viewer API tokens: one revoked, one live and never used before the
	// reads, so that its first uses are among them (they are noted in
	// memory, not written).
	createToken(t, owner, "失効させたビューア")
	live := createToken(t, owner, "事務所のビューア")
	var tokenID int64
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FROM api_tokens`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}
	postDone(t, owner, "/tokens/"+itoa(tokenID)+"/revoke", nil, "失効させたビューア")
	// Sales on the register camera: one whose still is stored, one pending,
	// one in a recording gap.
	var stillPages, apiReads []string
	for _, st := range []string{"ready", "pending", "no_recording"} {
		var img []byte
		if st == "ready" {
			img = testJPEG(t)
		}
		id := e.stillSale(t, tn.ID, sm.ID, cam.ID, "payment", st, img)
		stillPages = append(stillPages, fmt.Sprintf("/cameras/%d/transactions/%d/still", cam.ID, id))
		apiReads = append(apiReads, "/api/v1/transactions/"+itoa(id), "/api/v1/transactions/"+itoa(id)+"/thumbnail")
	}
	for _, c := range []int64{cam.ID, cam2.ID, camWait.ID} {
		apiReads = append(apiReads, "/api/v1/cameras/"+itoa(c)+"/transactions",
			"/api/v1/cameras/"+itoa(c)+"/transactions?"+url.Values{"kind": {"cancel"}, "q": {"R"}, "limit": {"1"},
				"from": {testNow.Add(-24 * time.Hour).Format(time.RFC3339)}, "to": {testNow.Format(time.RFC3339)}}.Encode())
	}

	staff := e.login(t, staffEmail, staffPW)
	var lastAudit int64
	if err := e.pool.QueryRow(ctx, `SELECT max(id) FROM audit_log`).Scan(&lastAudit); err != nil {
		t.Fatal(err)
	}

	ownerPages := []string{"/", "/login", "/cameras", "/ubiregi", "/smaregi", "/smaregi/new", "/links",
		"/ubiregi/" + itoa(ub.ID) + "/unbind?" + url.Values{"terminal": {ubTerms[0].Key}}.Encode(),
		"/ubiregi/" + itoa(ub.ID) + "/delete", "/audit", "/audit?action=link.&from=2026-01-01", "/audit.csv",
		"/audit?before=" + itoa(lastAudit), "/tokens", "/tokens/" + itoa(tokenID+1) + "/revoke",
		"/api/v1/cameras", "/api/v1/openapi.json"}
	for _, c := range []int64{cam.ID, cam2.ID, camWait.ID} {
		ownerPages = append(ownerPages, "/cameras/"+itoa(c), "/cameras/"+itoa(c)+"/dashboard", "/cameras/"+itoa(c)+"/live.jpg",
			"/cameras/"+itoa(c)+"/dashboard?kind=modify&range=72h&q=R", "/cameras/"+itoa(c)+"/dashboard.csv?range=72h")
	}
	for _, c := range []int64{sm.ID, refused.ID, legacy.ID} {
		ownerPages = append(ownerPages, connPath(c, ""), connPath(c, "edit"), connPath(c, "delete"),
			connPath(c, "unbind")+"?"+url.Values{"terminal": {"1:1", "1:2"}}.Encode())
	}
	staffPages := []string{"/support/", "/support/tenants", "/support/tenants?q=" + url.QueryEscape("読む"), tenantPath(tn.ID),
		// The search by each kind of key.
		"/support/tenants?q=" + url.QueryEscape(ownerEmail), "/support/tenants?q=" + url.QueryEscape(e.sims.Info.Smaregi.ContractID),
		"/support/tenants?q=1", "/support/tenants?q=" + url.QueryEscape(ubTerms[0].Key), "/support/tenants?q=cam-",
		tenantPath(tn.ID) + "/links",
		"/support/audit", "/support/audit?tenant=" + itoa(tn.ID), "/support/audit?before=" + itoa(lastAudit),
		"/support/audit?tenant_name=" + url.QueryEscape("読む") + "&actor=owner&action=link.&from=2026-01-01&to=2026-12-31",
		"/support/audit.csv", "/support/audit.csv?tenant=" + itoa(tn.ID) + "&action=link.bind"}
	for _, c := range []int64{cam.ID, cam2.ID, camWait.ID} {
		staffPages = append(staffPages, cameraPath(tn.ID, c), cameraPath(tn.ID, c)+"/dashboard", cameraPath(tn.ID, c)+"/live.jpg")
	}
	ownerPages = append(ownerPages, stillPages...)
	for _, p := range stillPages {
		staffPages = append(staffPages, tenantPath(tn.ID)+p)
	}

	before := pureSnapshot(t, e)
	visited := pureCrawl(t, owner, ownerPages)
	visited += pureCrawl(t, staff, staffPages)
	for _, p := range []string{"/healthz", "/readyz"} {
		if res, _ := owner.get(p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
	for range 3 {
		if res, _ := apiCall(t, e, nil, http.MethodGet, "/api/v1/cameras", live); res.StatusCode != http.StatusOK {
			t.Errorf("API with a token: %d", res.StatusCode)
		}
	}
	// The API's transactions, with the token and with the session; a
	// still not ready is a problem, not a write.
	for _, p := range apiReads {
		for _, c := range []*client{nil, owner} {
			token := live
			if c != nil {
				token = ""
			}
			res, body := apiCall(t, e, c, http.MethodGet, p, token)
			if s := res.StatusCode; s != http.StatusOK && s != http.StatusServiceUnavailable && s != http.StatusNotFound {
				t.Errorf("GET %s: %d %s", p, res.StatusCode, body)
			}
		}
	}
	t.Logf("%d pages read", visited)
	after := pureSnapshot(t, e)
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("reading the pages changed table %s", table)
		}
	}
	if len(after) != len(before) {
		t.Errorf("tables %v, then %v", before, after)
	}
}

// pureSmaregiLink links a Smaregi contract of the simulator through the form.
func pureSmaregiLink(t *testing.T, e *env, c *client, tenantID int64, contractID string) link.Connection {
	t.Helper()
	if err := e.sims.Smaregi.SetRateLimit(contractID, -1); err != nil {
		t.Fatal(err)
	}
	k, ok := e.sims.Smaregi.Contract(contractID)
	if !ok {
		t.Fatalf("no contract %s", contractID)
	}
	res, body := c.postForm("/smaregi", url.Values{"contract_id": {k.ID}, "client_id": {k.ClientID}, "client_secret": {k.ClientSecret}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("link %s: %d\n%s", contractID, res.StatusCode, body)
	}
	conns, err := e.links.Connections(context.Background(), tenantID, link.Smaregi)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(conns, func(x link.Connection) bool { return x.ExternalID == contractID })
	if i < 0 {
		t.Fatalf("no link of %s in %+v", contractID, conns)
	}
	return conns[i]
}

// pureSnapshot is a digest of every row of every table.
func pureSnapshot(t *testing.T, e *env) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := e.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	if rows.Err() != nil || len(tables) < 7 {
		t.Fatalf("tables %v (%v)", tables, rows.Err())
	}
	out := map[string]string{}
	for _, table := range tables {
		var sum string
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'empty') FROM %q t`, table)
		if err := e.pool.QueryRow(ctx, q).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		out[table] = sum
	}
	return out
}

var pureHref = regexp.MustCompile(`href="(/[^"#]*)`)

// pureCrawl loads the pages, and every page of the portal they link to,
// as c; each must answer without a server error, and the pages given must
// answer 200 (or redirect, for "/" and the support home). It returns how
// many pages it loaded.
func pureCrawl(t *testing.T, c *client, pages []string) int {
	t.Helper()
	seen := map[string]bool{}
	queue := slices.Clone(pages)
	for len(queue) > 0 {
		p := strings.ReplaceAll(queue[0], "&amp;", "&")
		queue = queue[1:]
		if seen[p] || strings.HasPrefix(p, "/static/") {
			continue
		}
		seen[p] = true
		res, body := c.get(p)
		given := slices.Contains(pages, p)
		switch {
		case res.StatusCode >= 500:
			t.Errorf("GET %s: %d", p, res.StatusCode)
		case given && res.StatusCode != http.StatusOK && (res.StatusCode != http.StatusSeeOther || p != "/" && p != "/support/" && p != "/login"):
			t.Errorf("GET %s: %d\n%s", p, res.StatusCode, body)
		}
		if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/") {
			queue = append(queue, loc)
		}
		for _, m := range pureHref.FindAllStringSubmatch(body, -1) {
			queue = append(queue, m[1])
		}
	}
	t.Logf("read %v", slices.Sorted(maps.Keys(seen)))
	return len(seen)
}
