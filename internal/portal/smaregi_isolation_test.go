package portal_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/poslink/poslink/internal/link/smaregilink"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// Another tenant's link is not found, whatever its ID is put in: pages,
// forms, binds, edits and deletes all answer 404 and change nothing.
func TestSmaregiOtherTenantsLinksAreNotFound(t *testing.T) {
	f := newSmaregiEnv(t)
	mine := f.add(t)
	f.bind(t, mine.ID, "1", "1", f.cam.ID)

	other := f.env.tenant(t, "よその店")
	otherCam := f.camera(t, other.ID, "cam-other", "よそのカメラ", testNow.AddDate(0, 0, -5))
	oc, err := f.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "skother01", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := f.smaregi.Add(context.Background(), f.actor, other.ID, smaregilink.Input{ContractID: oc.ID,
		ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Memo: "よその契約"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.smaregi.Bind(context.Background(), f.actor, other.ID, theirs.ID,
		smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: otherCam.ID}); err != nil {
		t.Fatal(err)
	}

	before := f.linkCounts(t)
	for _, p := range []string{connPath(theirs.ID, ""), connPath(theirs.ID, "edit"), connPath(theirs.ID, "unbind") + "?terminal=1:1",
		connPath(theirs.ID, "delete"), "/smaregi/0", "/smaregi/x", "/smaregi/99999"} {
		res, body := f.c.get(p)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
		wantNotContains(t, p, body, "skother01", "よその契約")
	}
	theirBinding := f.seenOf(t, theirs.ID, "1:1")
	posts := map[string]url.Values{
		connPath(theirs.ID, "bind"):   {"store_id": {"1"}, "terminal_id": {"2"}, "camera_id": {itoa(f.cam.ID)}, "binding": {"0"}},
		connPath(theirs.ID, "edit"):   {"client_id": {f.creds(t).Get("client_id")}, "client_secret": {f.creds(t).Get("client_secret")}},
		connPath(theirs.ID, "unbind"): {"binding": {theirBinding}},
		connPath(theirs.ID, "delete"): {"binding": {theirBinding}},
	}
	for p, form := range posts {
		res, _ := f.c.postForm(p, form)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d", p, res.StatusCode)
		}
	}
	if after := f.linkCounts(t); after != before {
		t.Errorf("changed something: %s, then %s", before, after)
	}
	// My own link's forms with the other link's bindings: not found, and
	// nothing deleted.
	postRefused(t, f.c, connPath(mine.ID, "unbind"), url.Values{"binding": {theirBinding}}, http.StatusNotFound, "見つかりません")
	postRefused(t, f.c, connPath(mine.ID, "unbind"), url.Values{"binding": {f.seenOf(t, mine.ID, "1:1"), theirBinding}},
		http.StatusNotFound, "見つかりません")
	postRefused(t, f.c, connPath(mine.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(f.cam2.ID)},
		"binding": {theirBinding}}, http.StatusNotFound, "見つかりません")
	if after := f.linkCounts(t); after != before {
		t.Errorf("changed something: %s, then %s", before, after)
	}
	postDone(t, f.c, connPath(mine.ID, "unbind"), url.Values{"binding": {f.seenOf(t, mine.ID, "1:1")}}, "1 件の連携設定を削除しました")
	if got := f.bindings(t, other.ID, theirs.ID); got != "1:1→"+itoa(otherCam.ID) {
		t.Errorf("the other tenant's bindings: %s", got)
	}
	_, body := f.c.get("/smaregi")
	wantNotContains(t, "my list", body, "skother01", "よその契約", "よそのカメラ")
	_, body = f.c.get(connPath(mine.ID, ""))
	wantNotContains(t, "my terminal page", body, "よそのカメラ")

	c, _ := f.links.Connection(context.Background(), other.ID, theirs.ID)
	if c.CredentialsVersion != 1 || c.Memo != "よその契約" {
		t.Errorf("the other tenant's link changed: %+v", c)
	}
	// Staff have no owner pages.
	f.staff(t, staffEmail, staffPW)
	staff := f.login(t, staffEmail, staffPW)
	if res, _ := staff.get("/smaregi"); res.StatusCode != http.StatusForbidden {
		t.Errorf("staff GET /smaregi: %d", res.StatusCode)
	}
}

// No secret or access token is stored in the clear, audited, shown, or
// kept in a session: after linking, a reissued secret, an import of an old
// token and its move to the new API.
func TestSmaregiSecretsNeverInTheClear(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	oldSecret := f.creds(t).Get("client_secret")
	newSecret, err := f.sims.Smaregi.ReissueSecret(demoContract)
	if err != nil {
		t.Fatal(err)
	}
	postDone(t, f.c, connPath(conn.ID, "edit"), f.creds(t), "連携情報を修正しました")

	oc, err := f.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "sklegacy1", RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := f.smaregi.ImportLegacy(context.Background(), f.actor, f.tenant.ID, smaregilink.LegacyImport{
		ContractID: oc.ID, AccessToken: oc.LegacyAccessToken,
		Bindings: []smaregilink.LegacyBinding{{StoreID: "1", TerminalID: "1", CameraID: f.cam2.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	postDone(t, f.c, connPath(legacy.ID, "edit"), url.Values{"client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}}, "新しい接続情報")
	// A refused attempt too: its secret must not linger anywhere either.
	typo := "0" + newSecret[1:]
	postRefused(t, f.c, connPath(conn.ID, "edit"), url.Values{"client_id": {f.creds(t).Get("client_id")}, "client_secret": {typo}},
		http.StatusBadRequest, "正しくありません")

	secrets := []string{oldSecret, newSecret, oc.ClientSecret, oc.LegacyAccessToken, typo}
	ctx := context.Background()
	for _, q := range []string{`SELECT credentials FROM pos_connections`, `SELECT convert_to(row_to_json(c)::text, 'UTF8') FROM pos_connections c`,
		`SELECT convert_to(row_to_json(a)::text, 'UTF8') FROM audit_log a`, `SELECT data FROM sessions`,
		`SELECT convert_to(row_to_json(b)::text, 'UTF8') FROM terminal_bindings b`} {
		rows, err := f.pool.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var raw []byte
			if err := rows.Scan(&raw); err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(raw, []byte(s)) {
					t.Errorf("%s: a row holds a secret in the clear (%.6s…)", q, s)
				}
			}
		}
		rows.Close()
	}
	for _, p := range []string{"/smaregi", connPath(conn.ID, ""), connPath(conn.ID, "edit"), connPath(legacy.ID, ""), connPath(legacy.ID, "edit")} {
		_, body := f.c.get(p)
		wantNotContains(t, p, body, secrets...)
	}
	f.staff(t, staffEmail, staffPW)
	assertNoSecretInAudit(t, f.env, secrets...)
}
