package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
	"github.com/poslink/poslink/internal/sim/sandbox"
)

// bindDone presses 更新 on a row and expects the flash of a done binding.
func (f *ubFixture) bindDone(t *testing.T, connID int64, terminal link.Terminal, camName string, camID int64) string {
	t.Helper()
	return postDone(t, f.c, "/ubiregi/"+itoa(connID)+"/bind",
		url.Values{"terminal": {terminal.Key}, "camera": {itoa(camID)}, "binding": {f.e.seenOf(t, connID, terminal.Key)}},
		"端末「"+terminal.Name+"」をカメラ「"+camName+"」に連携しました。")
}

// The manual's flow: 連携設定 page, Ubiregi OAuth2 連携, 許可する at Ubiregi,
// back to the terminals, a camera per terminal with 更新; the next time no
// consent is asked, and linking again renews the grant of the same link.
func TestUbiregiLinkAndBind(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	res, page := f.c.get("/ubiregi")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ubiregi: %d", res.StatusCode)
	}
	wantContains(t, page, "Ubiregi連携設定", "連携設定の追加、編集、削除を行うことができます。",
		`<form class="inline" method="post" action="/ubiregi/connect">`, "Ubiregi OAuth2 連携", "連携しているユビレジアカウントはありません")

	authURL := ubConnect(t, f.c)
	au, _ := url.Parse(authURL)
	q := au.Query()
	if !strings.HasPrefix(authURL, e.sims.Info.Ubiregi.BaseURL+"/oauth2/authorize?") || q.Get("state") == "" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("client_id") != sandbox.UbiregiClientID {
		t.Fatalf("connect leads to %s", authURL)
	}
	cb := ubConsent(t, f.c, authURL, sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	cbq, _ := url.Parse(cb)
	code := cbq.Query().Get("code")
	page = getFollow(t, f.c, cb)
	conn := e.ubConnection(t, f.tenant.ID)
	acct := itoa(e.sims.Info.Ubiregi.AccountID)
	if conn.ExternalID != acct || conn.Name != "デモ店舗（ユビレジ）" || conn.Status != link.Active {
		t.Fatalf("connection %+v", conn)
	}
	wantContains(t, page, "ユビレジアカウント「デモ店舗（ユビレジ）」と連携しました。", "契約ID "+acct, "連携中",
		"レジ1", "レジ2", "レジ3", "契約ID", "端末ID", "端末名", "カメラ", "更新",
		"レジ前カメラ (CC-2L_SF : cam-register)", "入口カメラ (CC-2L_SF : cam-entrance)")
	for _, hidden := range []string{"新設カメラ", "自宅カメラ"} {
		if strings.Contains(page, hidden) {
			t.Errorf("the camera list offers %s, whose POS option is not usable", hidden)
		}
	}
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	if len(ts) != 3 {
		t.Fatalf("terminals %+v", ts)
	}

	// Two terminals feed camera A, one feeds camera B.
	f.bindDone(t, conn.ID, ts[0], "レジ前カメラ", f.camA.ID)
	f.bindDone(t, conn.ID, ts[1], "レジ前カメラ", f.camA.ID)
	f.bindDone(t, conn.ID, ts[2], "入口カメラ", f.camB.ID)
	_, page = f.c.get("/ubiregi")
	for i, cam := range []int64{f.camA.ID, f.camA.ID, f.camB.ID} {
		row := ubRow(t, page, ts[i].Key)
		if !strings.Contains(row, `<option value="`+itoa(cam)+`" selected>`) {
			t.Errorf("row %s does not show camera %d chosen:\n%s", ts[i].Name, cam, row)
		}
	}
	want := map[string]int64{ts[0].Key: f.camA.ID, ts[1].Key: f.camA.ID, ts[2].Key: f.camB.ID}
	if got := e.ubBindings(t, f.tenant.ID, conn.ID); len(got) != 3 || got[ts[0].Key] != want[ts[0].Key] ||
		got[ts[1].Key] != want[ts[1].Key] || got[ts[2].Key] != want[ts[2].Key] {
		t.Fatalf("bindings %v, want %v", got, want)
	}
	// A row's camera changed in place: the terminal moves, never feeds two.
	f.bindDone(t, conn.ID, ts[2], "レジ前カメラ", f.camA.ID)
	if got := e.ubBindings(t, f.tenant.ID, conn.ID); len(got) != 3 || got[ts[2].Key] != f.camA.ID {
		t.Fatalf("after rebinding: %v", got)
	}

	// The next time: the rows without consent, and the button goes through
	// Ubiregi without its page (consented before) and renews the same link.
	g1, v1 := e.ubGrant(t, f.tenant.ID, conn.ID)
	cb2 := ubConsent(t, f.c, ubConnect(t, f.c), "", "", "")
	page = getFollow(t, f.c, cb2)
	wantContains(t, page, "ユビレジアカウント「デモ店舗（ユビレジ）」の認証情報を更新しました。")
	again := e.ubConnection(t, f.tenant.ID)
	g2, v2 := e.ubGrant(t, f.tenant.ID, conn.ID)
	if again.ID != conn.ID || v2 != v1+1 || g2.AccessToken == g1.AccessToken || len(e.ubBindings(t, f.tenant.ID, conn.ID)) != 3 {
		t.Fatalf("relink: %+v v%d→v%d", again, v1, v2)
	}

	// Tokens, the code, the state and the verifier are nowhere in plain text.
	e.staff(t, staffEmail, staffPW)
	e.ubAssertNotStored(t, g1.AccessToken, g1.RefreshToken, g2.AccessToken, g2.RefreshToken, code, q.Get("state"))
	assertNoSecretInAudit(t, e, g1.AccessToken, g1.RefreshToken, g2.AccessToken, g2.RefreshToken, code)
	_, page = f.c.get("/ubiregi")
	for _, s := range []string{g2.AccessToken, g2.RefreshToken} {
		if strings.Contains(page, s) {
			t.Fatal("the page shows a token")
		}
	}
}

func TestUbiregiBindRefusals(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	other := e.tenant(t, "他店")
	otherCam := e.camera(t, other.ID, "cam-other", "他店のカメラ", testNow)
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	path := "/ubiregi/" + itoa(conn.ID) + "/bind"
	audit := e.count(t, "audit_log")

	for name, c := range map[string]struct {
		terminal, camera string
		status           int
		want             string
	}{
		"camera without the option":   {ts[0].Key, itoa(f.camOff.ID), 400, "このカメラにはPOSレジ連携オプションが付与されていません"},
		"camera usable from day four": {ts[0].Key, itoa(f.camWait.ID), 400, "POSレジ連携オプションがまだ利用できません"},
		"another tenant's camera":     {ts[0].Key, itoa(otherCam.ID), 400, "選択されたカメラが見つかりません"},
		"no such camera":              {ts[0].Key, "999999", 400, "選択されたカメラが見つかりません"},
		"no camera chosen":            {ts[0].Key, "", 400, "カメラを選択してください。"},
		"camera not a number":         {ts[0].Key, "1 OR 1=1", 400, "カメラを選択してください。"},
		"terminal of no account":      {"5D1C7A52-0000-4000-8000-000000000000", itoa(f.camA.ID), 404, "この端末はこのユビレジアカウントにありません"},
		"no terminal":                 {"", itoa(f.camA.ID), 400, "端末を選択してください。"},
	} {
		t.Run(name, func(t *testing.T) {
			body := postRefused(t, f.c, path, url.Values{"terminal": {c.terminal}, "camera": {c.camera}, "binding": {"0"}}, c.status, c.want, "レジ1")
			if c.terminal == ts[0].Key && !strings.Contains(ubRow(t, body, ts[0].Key), `aria-invalid="true"`) {
				t.Error("the message is not at the row")
			}
		})
	}
	if got := e.ubBindings(t, f.tenant.ID, conn.ID); len(got) != 0 {
		t.Fatalf("refused forms saved bindings %v", got)
	}
	if n := e.count(t, "audit_log"); n != audit {
		t.Fatalf("refused forms wrote %d audit entries", n-audit)
	}

	// A bound camera whose option is switched off stays shown, marked, and
	// cannot be chosen again.
	f.bindDone(t, conn.ID, ts[1], "レジ前カメラ", f.camA.ID)
	if err := e.store.SetPOSOption(t.Context(), e.actor, f.tenant.ID, f.camA.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, page := f.c.get("/ubiregi")
	row := ubRow(t, page, ts[1].Key)
	if !ubSelected(row, f.camA) || !strings.Contains(row, "レジ前カメラ (CC-2L_SF : cam-register)（POSレジ連携オプション利用不可）") {
		t.Fatalf("row of a camera whose option is off:\n%s", row)
	}
	if strings.Contains(ubRow(t, page, ts[0].Key), "レジ前カメラ") {
		t.Fatal("a camera whose option is off is offered to another row")
	}
	postRefused(t, f.c, path, url.Values{"terminal": {ts[1].Key}, "camera": {itoa(f.camA.ID)}, "binding": {e.seenOf(t, conn.ID, ts[1].Key)}}, 400,
		"このカメラにはPOSレジ連携オプションが付与されていません")
}

func TestUbiregiCallbackRefusals(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	noLink := func(t *testing.T) {
		t.Helper()
		if n := e.count(t, "pos_connections"); n != 0 {
			t.Fatalf("%d connections saved", n)
		}
	}
	stateMsg := "連携の確認ができませんでした"

	t.Run("許可しない", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "deny")
		page := getFollow(t, f.c, cb)
		wantContains(t, page, "ユビレジで「許可しない」が選ばれたため、連携しませんでした。", `class="flash flash-error"`)
		noLink(t)
	})
	t.Run("state missing", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Del("state")
		wantContains(t, getFollow(t, f.c, u.Path+"?"+q.Encode()), stateMsg)
		// The attempt used up the pending consent: the genuine callback is refused too.
		wantContains(t, getFollow(t, f.c, cb), stateMsg)
		noLink(t)
	})
	t.Run("state forged", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("state", "forged-"+q.Get("state"))
		wantContains(t, getFollow(t, f.c, u.Path+"?"+q.Encode()), stateMsg)
		noLink(t)
	})
	t.Run("no consent started in this session", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
		// Another browser of the same owner, e.g. a link sent by an attacker.
		other := e.login(t, ownerEmail, ownerPW)
		wantContains(t, getFollow(t, other, cb), stateMsg)
		noLink(t)
	})
	t.Run("Ubiregi down at the exchange", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
		e.sims.Ubiregi.Faults().AddDowntime(e.simClock.Now().Add(-time.Minute), e.simClock.Now().Add(time.Minute))
		defer e.sims.Ubiregi.Faults().Set(ubFaultFree)
		wantContains(t, getFollow(t, f.c, cb), "ユビレジに接続できませんでした。時間をおいて再度お試しください。")
		noLink(t)
	})
	t.Run("state replayed", func(t *testing.T) {
		cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
		wantContains(t, getFollow(t, f.c, cb), "と連携しました。")
		_, v := e.ubGrant(t, f.tenant.ID, e.ubConnection(t, f.tenant.ID).ID)
		wantContains(t, getFollow(t, f.c, cb), stateMsg)
		if _, v2 := e.ubGrant(t, f.tenant.ID, e.ubConnection(t, f.tenant.ID).ID); v2 != v {
			t.Fatal("the replay changed the stored grant")
		}
	})
	t.Run("code already used", func(t *testing.T) {
		used := ubConsent(t, f.c, ubConnect(t, f.c), "", "", "")
		wantContains(t, getFollow(t, f.c, used), "認証情報を更新しました")
		_, v := e.ubGrant(t, f.tenant.ID, e.ubConnection(t, f.tenant.ID).ID)
		fresh, _ := url.Parse(ubConsent(t, f.c, ubConnect(t, f.c), "", "", ""))
		old, _ := url.Parse(used)
		q := fresh.Query()
		q.Set("code", old.Query().Get("code"))
		wantContains(t, getFollow(t, f.c, fresh.Path+"?"+q.Encode()), "ユビレジの認可コードが無効か、すでに使用されています。")
		if _, v2 := e.ubGrant(t, f.tenant.ID, e.ubConnection(t, f.tenant.ID).ID); v2 != v {
			t.Fatal("the used code changed the stored grant")
		}
	})
	t.Run("an error Ubiregi sent", func(t *testing.T) {
		authURL := ubConnect(t, f.c)
		u, _ := url.Parse(authURL)
		page := getFollow(t, f.c, "/ubiregi/callback?error=%3Cb%3Ebad%3C%2Fb%3E&state="+url.QueryEscape(u.Query().Get("state")))
		wantContains(t, page, "ユビレジが連携の要求を受け付けませんでした（unknown）")
	})
	t.Run("anonymous", func(t *testing.T) {
		res, _ := e.client(t).get("/ubiregi/callback?code=x&state=y")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Fatalf("anonymous callback: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// Another tenant linking an account already linked here is refused and
// changes nothing.
func TestUbiregiAccountOfAnotherTenantIsRefused(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	_, v := e.ubGrant(t, f.tenant.ID, conn.ID)
	other := e.tenant(t, "他店")
	e.owner(t, other.ID, "other@shop.example", ownerPW)
	oc := e.login(t, "other@shop.example", ownerPW)
	cb := ubConsent(t, oc, ubConnect(t, oc), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	wantContains(t, getFollow(t, oc, cb), "このPOSアカウントは別のお客さまのカメラと連携済みのため、連携できません。")
	if conns, _ := e.links.Connections(t.Context(), other.ID, link.Ubiregi); len(conns) != 0 {
		t.Fatal("the other tenant got a connection")
	}
	if _, v2 := e.ubGrant(t, f.tenant.ID, conn.ID); v2 != v {
		t.Fatal("the refused link changed the owner's grant")
	}
}

// Another tenant's connection or terminal IDs, in URLs and forms, are not found.
func TestUbiregiOtherTenantsIDsAreNotFound(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, connA := f.link(t, f.c, f.tenant.ID)
	tsA := e.ubTerminals(t, f.tenant.ID, connA.ID)
	f.bindDone(t, connA.ID, tsA[0], "レジ前カメラ", f.camA.ID)

	b := e.tenant(t, "B店")
	e.owner(t, b.ID, "b@shop.example", ownerPW)
	camB := e.camera(t, b.ID, "cam-b", "B店のカメラ", testNow)
	if _, err := e.sims.Ubiregi.CreateAccount(ubSimAccount("shop-b", "shop-b-password", "B店（ユビレジ）", 2)); err != nil {
		t.Fatal(err)
	}
	cb := e.login(t, "b@shop.example", ownerPW)
	getFollow(t, cb, ubConsent(t, cb, ubConnect(t, cb), "shop-b", "shop-b-password", "allow"))
	connB := e.ubConnection(t, b.ID)
	tsB := e.ubTerminals(t, b.ID, connB.ID)

	_, page := cb.get("/ubiregi")
	wantContains(t, page, "B店（ユビレジ）", tsB[0].Key)
	for _, leak := range []string{connA.ExternalID, tsA[0].Key, "デモ店舗"} {
		if strings.Contains(page, leak) {
			t.Fatalf("B's page shows A's %q", leak)
		}
	}
	a := "/ubiregi/" + itoa(connA.ID)
	seenA := e.seenOf(t, connA.ID, tsA[0].Key)
	for _, c := range []struct {
		method, path string
		form         url.Values
	}{
		{"POST", a + "/bind", url.Values{"terminal": {tsA[0].Key}, "camera": {itoa(camB.ID)}, "binding": {seenA}}},
		{"POST", a + "/bind", url.Values{"terminal": {tsA[1].Key}, "camera": {itoa(f.camA.ID)}, "binding": {"0"}}},
		{"GET", a + "/unbind?terminal=" + url.QueryEscape(tsA[0].Key), nil},
		{"POST", a + "/unbind", url.Values{"binding": {seenA}}},
		{"GET", a + "/delete", nil},
		{"POST", a + "/delete", url.Values{"binding": {seenA}}},
		{"POST", "/ubiregi/0/bind", url.Values{"terminal": {tsB[0].Key}, "camera": {itoa(camB.ID)}, "binding": {"0"}}},
		{"GET", "/ubiregi/abc/unbind?terminal=x", nil},
		{"POST", "/ubiregi/99999999999999999999/delete", url.Values{}},
	} {
		var res *http.Response
		var body string
		if c.method == "GET" {
			res, body = cb.get(c.path)
		} else {
			res, body = cb.postForm(c.path, c.form)
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", c.method, c.path, res.StatusCode)
		}
		if strings.Contains(body, tsA[0].Key) || strings.Contains(body, "デモ店舗") {
			t.Errorf("%s %s: the page shows A's account", c.method, c.path)
		}
	}
	// A's terminal posted on B's own connection: not one of B's devices.
	bPath := "/ubiregi/" + itoa(connB.ID)
	postRefused(t, cb, bPath+"/bind", url.Values{"terminal": {tsA[0].Key}, "camera": {itoa(camB.ID)}, "binding": {"0"}}, 404,
		"この端末はこのユビレジアカウントにありません")
	postRefused(t, cb, bPath+"/unbind", url.Values{"binding": {seenA}}, 404, "選択された端末の連携設定が見つかりません")
	postRefused(t, cb, bPath+"/delete", url.Values{"binding": {seenA}}, 404, "見つかりません")
	if res, _ := cb.get(bPath + "/unbind?terminal=" + url.QueryEscape(tsA[0].Key)); res.StatusCode != http.StatusNotFound {
		t.Errorf("confirming the delete of A's terminal on B's connection: %d", res.StatusCode)
	}
	if got := e.ubBindings(t, f.tenant.ID, connA.ID); len(got) != 1 || got[tsA[0].Key] != f.camA.ID {
		t.Fatalf("A's bindings after B's attempts: %v", got)
	}
	if got := e.ubBindings(t, b.ID, connB.ID); len(got) != 0 {
		t.Fatalf("B's bindings: %v", got)
	}
	e.ubConnection(t, f.tenant.ID)
}

// Ubiregi answering garbage, or too slowly, at the exchange and on the page.
func TestUbiregiGarbageAndSlowness(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	f.bindDone(t, conn.ID, ts[0], "レジ前カメラ", f.camA.ID)
	connections := e.count(t, "pos_connections")

	var logs ubLogs
	callbackAt := func(t *testing.T, c *client) string {
		t.Helper()
		u, _ := url.Parse(ubConnect(t, c))
		state := u.Query().Get("state")
		page := getFollow(t, c, "/ubiregi/callback?code=some-secret-code&state="+url.QueryEscape(state))
		if strings.Contains(logs.String(), state) || strings.Contains(logs.String(), "some-secret-code") {
			t.Fatalf("the log holds the state or the code:\n%s", logs.String())
		}
		return page
	}
	t.Run("garbage", func(t *testing.T) {
		garbage := ubGarbageServer(t)
		c := f.ubAltPortal(t, f.ubConfig(garbage, 0), &logs)
		wantContains(t, callbackAt(t, c), "ユビレジから想定外の応答がありました。")
		wantContains(t, logs.String(), "answered with error", "reason=err.ubiregi_malformed")
	})
	t.Run("slow", func(t *testing.T) {
		e.sims.Ubiregi.Faults().Set(ubFaultLatency(time.Second))
		defer e.sims.Ubiregi.Faults().Set(ubFaultFree)
		c := f.ubAltPortal(t, f.ubConfig(e.sims.Info.Ubiregi.BaseURL, 200*time.Millisecond), &logs)
		start := time.Now()
		wantContains(t, callbackAt(t, c), "ユビレジに接続できませんでした。時間をおいて再度お試しください。")
		// The page still lists the saved links, and says why it cannot do more.
		res, page := c.get("/ubiregi")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /ubiregi while Ubiregi is slow: %d", res.StatusCode)
		}
		wantContains(t, page, "ユビレジに接続できませんでした。", "保存済みの連携設定のみ表示しています", "レジ前カメラ (CC-2L_SF : cam-register)")
		if row := ubRow(t, page, ts[0].Key); strings.Contains(row, "<select") || !strings.Contains(row, `type="checkbox"`) {
			t.Fatalf("a row of the saved links can be changed, or not deleted:\n%s", row)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("the slow calls took %v", d)
		}
	})
	t.Run("down", func(t *testing.T) {
		e.sims.Ubiregi.Faults().Set(ubFaultDown())
		defer e.sims.Ubiregi.Faults().Set(ubFaultFree)
		_, page := f.c.get("/ubiregi")
		wantContains(t, page, "ユビレジに接続できませんでした。", "保存済みの連携設定のみ表示しています")
		// 更新 needs the device list: read a moment ago, it stands in.
		f.bindDone(t, conn.ID, ts[0], "入口カメラ", f.camB.ID)
	})
	if n := e.count(t, "pos_connections"); n != connections {
		t.Fatalf("%d connections after the failures, want %d", n, connections)
	}
	if g := e.ubBindings(t, f.tenant.ID, conn.ID); len(g) != 1 {
		t.Fatalf("bindings after the failures: %v", g)
	}
}

// The access token expires; the page refreshes it, the rotation is stored
// and the old refresh token is dead. A revoked grant is 要再認証 with a
// button to consent again, which keeps the bindings.
func TestUbiregiRefreshAndReauth(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	for i, cam := range []int64{f.camA.ID, f.camA.ID, f.camB.ID} {
		name := map[int64]string{f.camA.ID: "レジ前カメラ", f.camB.ID: "入口カメラ"}[cam]
		f.bindDone(t, conn.ID, ts[i], name, cam)
	}
	old, v := e.ubGrant(t, f.tenant.ID, conn.ID)

	e.simClock.Advance(25 * time.Hour)
	res, page := f.c.get("/ubiregi")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ubiregi a day later: %d", res.StatusCode)
	}
	wantContains(t, page, "連携中", "レジ1", "レジ3")
	if !ubSelected(ubRow(t, page, ts[2].Key), f.camB) {
		t.Fatal("a day later the row lost its camera")
	}
	now, v2 := e.ubGrant(t, f.tenant.ID, conn.ID)
	after := e.ubConnection(t, f.tenant.ID)
	if v2 != v+1 || now.AccessToken == old.AccessToken || now.RefreshToken == old.RefreshToken ||
		!after.AccessExpiresAt.Equal(e.simClock.Now().Add(24*time.Hour)) {
		t.Fatalf("after the refresh: v%d→v%d, expires %v", v, v2, after.AccessExpiresAt)
	}
	api := ubiregi.New(ubiregi.Config{BaseURL: e.sims.Info.Ubiregi.BaseURL, ClientID: e.sims.Info.Ubiregi.ClientID,
		ClientSecret: e.sims.Info.Ubiregi.ClientSecret})
	if _, err := api.Refresh(context.Background(), old.RefreshToken); !pos.HasReason(err, ubiregi.ReasonInvalidGrant) {
		t.Fatalf("the old refresh token still works: %v", err)
	}
	e.ubAssertNotStored(t, old.AccessToken, old.RefreshToken, now.AccessToken, now.RefreshToken)

	// The owner withdraws the app at Ubiregi.
	if n := e.sims.Ubiregi.RevokeAccount(e.sims.Info.Ubiregi.AccountID); n == 0 {
		t.Fatal("nothing revoked")
	}
	_, page = f.c.get("/ubiregi")
	wantContains(t, page, "要再認証", "再認証する", `action="/ubiregi/connect"`, "badge-danger",
		"レジ前カメラ (CC-2L_SF : cam-register)", "入口カメラ (CC-2L_SF : cam-entrance)")
	if got := e.ubConnection(t, f.tenant.ID); got.Status != link.ReauthRequired {
		t.Fatalf("status %q", got.Status)
	}
	postRefused(t, f.c, "/ubiregi/"+itoa(conn.ID)+"/bind", url.Values{"terminal": {"unknown"}, "camera": {itoa(f.camA.ID)},
		"binding": {"0"}}, 409, "要再認証")

	// Consent again (Ubiregi asks again: the consent was withdrawn).
	cb := ubConsent(t, f.c, ubConnect(t, f.c), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	page = getFollow(t, f.c, cb)
	wantContains(t, page, "認証情報を更新しました", "連携中")
	if strings.Contains(page, "要再認証") {
		t.Fatal("still 要再認証 after consenting again")
	}
	for i, cam := range []int64{f.camA.ID, f.camA.ID, f.camB.ID} {
		if !strings.Contains(ubRow(t, page, ts[i].Key), `<option value="`+itoa(cam)+`" selected>`) {
			t.Errorf("row %s lost its camera", ts[i].Name)
		}
	}
	if got := e.ubConnection(t, f.tenant.ID); got.Status != link.Active || got.ID != conn.ID {
		t.Fatalf("after consenting again: %+v", got)
	}
	if n := len(e.ubBindings(t, f.tenant.ID, conn.ID)); n != 3 {
		t.Fatalf("%d bindings after consenting again", n)
	}
}

// The manual's delete: tick rows, the trash icon, confirm; and unlinking
// the whole account. Cameras stay.
func TestUbiregiDelete(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	for _, tm := range ts {
		f.bindDone(t, conn.ID, tm, "レジ前カメラ", f.camA.ID)
	}
	base := "/ubiregi/" + itoa(conn.ID)
	_, page := f.c.get("/ubiregi")
	wantContains(t, page, `form="unbind-`+itoa(conn.ID)+`"`, `id="unbind-`+itoa(conn.ID)+`" method="get"`, "削除",
		"※こちらの画面から解除してもサービス自体は解約にはなりません。(連携の設定解除のみ)")

	q := url.Values{"terminal": {ts[0].Key, ts[1].Key}}
	res, page := f.c.get(base + "/unbind?" + q.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirmation: %d\n%s", res.StatusCode, page)
	}
	wantContains(t, page, "連携設定の削除", "次の端末とカメラの連携設定を削除します。", ts[0].Key, ts[1].Key,
		"削除する", "キャンセル", "※こちらの画面から解除してもサービス自体は解約にはなりません。")
	if strings.Contains(page, ts[2].Key) {
		t.Fatal("the confirmation lists a terminal that was not ticked")
	}
	if n := len(e.ubBindings(t, f.tenant.ID, conn.ID)); n != 3 {
		t.Fatal("the confirmation step deleted something")
	}
	postDone(t, f.c, base+"/unbind", url.Values{"binding": {e.seenOf(t, conn.ID, ts[0].Key), e.seenOf(t, conn.ID, ts[1].Key)}},
		"2件の連携設定を削除しました。")
	if got := e.ubBindings(t, f.tenant.ID, conn.ID); len(got) != 1 || got[ts[2].Key] != f.camA.ID {
		t.Fatalf("bindings after the delete: %v", got)
	}
	_, page = f.c.get("/ubiregi")
	if row := ubRow(t, page, ts[0].Key); ubSelected(row, f.camA) || !strings.Contains(row, "カメラを選択") {
		t.Fatalf("a deleted link still shows its camera:\n%s", row)
	}
	// Nothing ticked; or only rows without a camera.
	wantContains(t, getRefused(t, f.c, base+"/unbind"), "チェックボックスを選んでから")
	res, page = f.c.get(base + "/unbind?terminal=" + url.QueryEscape(ts[0].Key))
	if res.StatusCode != http.StatusNotFound || !strings.Contains(page, "選択された端末の連携設定が見つかりません") {
		t.Fatalf("confirming an unbound row: %d", res.StatusCode)
	}

	// Unlinking the account: confirmation, then the link and its bindings go.
	res, page = f.c.get(base + "/delete")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("unlink confirmation: %d", res.StatusCode)
	}
	wantContains(t, page, "アカウント連携の解除", "デモ店舗（ユビレジ）", "1件の端末とカメラの連携設定が削除されます", "連携を解除する")
	postDone(t, f.c, base+"/delete", url.Values{"binding": e.seenAll(t, conn.ID)}, "ユビレジアカウント「デモ店舗（ユビレジ）」との連携を解除しました。")
	if conns, err := e.links.Connections(t.Context(), f.tenant.ID, link.Ubiregi); err != nil || len(conns) != 0 {
		t.Fatalf("%d connections after unlinking (%v)", len(conns), err)
	}
	if n := e.count(t, "cameras"); n != 4 {
		t.Fatalf("%d cameras after unlinking, want 4: the link only goes", n)
	}
	_, page = f.c.get("/ubiregi")
	wantContains(t, page, "連携しているユビレジアカウントはありません")
}

func TestUbiregiPagesAreForOwners(t *testing.T) {
	e := newEnv(t)
	e.staff(t, staffEmail, staffPW)
	staff := e.login(t, staffEmail, staffPW)
	if res, _ := staff.postForm("/ubiregi/connect", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("staff POST /ubiregi/connect: %d, want 403", res.StatusCode)
	}
	for _, p := range []string{"/ubiregi", "/ubiregi/callback?code=x&state=y"} {
		if res, _ := staff.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("staff GET %s: %d, want 403", p, res.StatusCode)
		}
		res, _ := e.client(t).get(p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("anonymous GET %s: %d → %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestUbiregiPageInEnglish(t *testing.T) {
	f := ubSetup(t)
	f.c.lang = "en"
	_, conn := f.link(t, f.c, f.tenant.ID)
	_, page := f.c.get("/ubiregi")
	wantContains(t, page, "Ubiregi link settings", "Link with Ubiregi (OAuth2)", "Contract ID "+conn.ExternalID,
		"Terminal ID", "Terminal name", "Update", "Linked")
}
