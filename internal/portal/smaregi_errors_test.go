package portal_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/sim/fault"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// Every mistake or mishap of 新規設定追加 gets its message on the form, the
// typed values back (never the secret), and nothing saved.
func TestSmaregiAddRefusals(t *testing.T) {
	f := newSmaregiEnv(t)
	good := f.creds(t)
	secret := good.Get("client_secret")
	with := func(k, v string) url.Values {
		form := url.Values{}
		for key, vals := range good {
			form[key] = vals
		}
		form.Set(k, v)
		return form
	}
	sim := f.sims.Smaregi
	cases := []struct {
		name   string
		form   url.Values
		setup  func()
		status int
		want   []string
	}{
		{"malformed contract ID", with("contract_id", "sk demo/01"), nil, 400,
			[]string{"契約IDは半角英数字とアンダースコア（_）の32文字以内で入力してください", `value="sk demo/01"`}},
		{"empty contract ID", with("contract_id", " "), nil, 400, []string{"入力してください。"}},
		{"malformed client ID", with("client_id", "abc!"), nil, 400,
			[]string{"クライアントIDは半角英数字で入力してください", `value="abc!"`}},
		{"empty secret", with("client_secret", ""), nil, 400, []string{"入力してください。"}},
		{"secret with a space", with("client_secret", "abc def"), nil, 400, []string{"空白や全角文字は使えません"}},
		{"secret too long", with("client_secret", strings.Repeat("a", 257)), nil, 400, []string{"256文字以内"}},
		{"memo too long", with("memo", strings.Repeat("メ", 201)), nil, 400, []string{"メモは200文字以内で入力してください。"}},
		{"memo with a control character", with("memo", "本\x1b店"), nil, 400, []string{"使用できない文字が含まれています。"}},
		{"wrong secret", with("client_secret", "f00dbabe"+secret[8:]), nil, 400,
			[]string{"クライアントIDまたはクライアントシークレットが正しくありません", "登録していません"}},
		{"wrong client ID", with("client_id", "0123456789abcdef0123456789abcdef"), nil, 400,
			[]string{"クライアントIDまたはクライアントシークレットが正しくありません"}},
		{"unknown contract", with("contract_id", "sknone99"), nil, 400,
			[]string{"契約ID「sknone99」の契約がスマレジに見つかりません", "「設定」-「基本情報」"}},
		{"scopes not granted", good, func() { must(t, sim.SetScopes(demoContract, []string{"pos.transactions:read"})) }, 400,
			[]string{"「スコープ」タブをクリックし、次の項目を有効化してください", "pos.transactions:read（取引/予算の参照ができます。）",
				"pos.stores:read（店舗の参照ができます。）", "[更新] ボタン"}},
		{"no scope at all", good, func() { must(t, sim.SetScopes(demoContract, []string{})) }, 400,
			[]string{"pos.transactions:read", "pos.stores:read"}},
		{"Smaregi down", good, func() { sim.Faults().AddDowntime(testNow.Add(-time.Hour), testNow.Add(time.Hour)) }, 503,
			[]string{"スマレジに接続できませんでした", "しばらくしてから"}},
		{"Smaregi failing", good, func() { sim.Faults().Set(fault.Settings{ErrorRate: 1}) }, 503,
			[]string{"スマレジに接続できませんでした"}},
		{"rate limited", good, func() { sim.Faults().Burst(5, 3*time.Second) }, 429,
			[]string{"スマレジへのリクエストが集中しています。3秒ほど待ってから"}},
		{"contract's own rate limit", good, func() { must(t, sim.SetRateLimit(demoContract, 0)); burnRateLimit(t, f) }, 429,
			[]string{"1秒ほど待ってから"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() {
				sim.Faults().Set(fault.Settings{})
				must(t, sim.SetScopes(demoContract, smaregisim.DefaultScopes))
				must(t, sim.SetRateLimit(demoContract, -1))
			})
			if tc.setup != nil {
				tc.setup()
			}
			before := f.linkCounts(t)
			body := postRefused(t, f.c, "/smaregi", tc.form, tc.status, tc.want...)
			wantContains(t, body, "新規設定追加", `value="`+tc.form.Get("client_id")+`"`)
			wantNotContains(t, "the refused form", body, secret, tc.form.Get("client_secret"))
			if after := f.linkCounts(t); after != before {
				t.Errorf("saved something: %s, then %s", before, after)
			}
			checkPage(t, body)
		})
	}
}

// burnRateLimit spends the demo contract's requests of the frozen second.
func burnRateLimit(t *testing.T, f *smaregiEnv) {
	t.Helper()
	for range smaregisim.DefaultRateLimit {
		res, err := http.Post(f.sims.Info.Smaregi.IDBaseURL+"/app/"+demoContract+"/token", "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
}

// The same contract linked by another tenant is refused, after its
// credentials proved right, and nothing of the other link changes.
func TestSmaregiAddContractOfAnotherTenant(t *testing.T) {
	f := newSmaregiEnv(t)
	other := f.env.tenant(t, "よその店")
	otherCam := f.camera(t, other.ID, "cam-other", "よそのカメラ", testNow.AddDate(0, 0, -5))
	in := smaregilink.Input{ContractID: demoContract, ClientID: f.creds(t).Get("client_id"), ClientSecret: f.creds(t).Get("client_secret")}
	conn, err := f.smaregi.Add(context.Background(), f.actor, other.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.smaregi.Bind(context.Background(), f.actor, other.ID, conn.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: otherCam.ID}); err != nil {
		t.Fatal(err)
	}
	before := f.linkCounts(t)
	body := postRefused(t, f.c, "/smaregi", f.creds(t), http.StatusConflict, "別のお客さまのカメラと連携済みのため、連携できません")
	wantNotContains(t, "the refused form", body, in.ClientSecret)
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}
	// With a wrong secret, the page does not tell that the contract is linked.
	form := f.creds(t)
	form.Set("client_secret", strings.Repeat("0", 64))
	body = postRefused(t, f.c, "/smaregi", form, http.StatusBadRequest, "クライアントIDまたはクライアントシークレットが正しくありません")
	wantNotContains(t, "the refused form", body, "別のお客さま")
	if got := f.bindings(t, other.ID, conn.ID); got != "1:1→"+itoa(otherCam.ID) {
		t.Errorf("the other tenant's bindings: %s", got)
	}
}

// Smaregi slower than the portal's limit: the owner is told, nothing is
// saved, and neither the page nor the log holds the secret.
func TestSmaregiAddWhenSmaregiIsSlow(t *testing.T) {
	f := newSmaregiEnv(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sm := smaregilink.New(smaregilink.Config{IDBaseURL: f.sims.Info.Smaregi.IDBaseURL, APIBaseURL: f.sims.Info.Smaregi.APIBaseURL,
		LegacyBaseURL: f.sims.Info.Smaregi.LegacyBaseURL, LegacyCutover: time.Date(2026, 1, 24, 0, 0, 0, 0, jst),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Timeout: 300 * time.Millisecond, Now: f.simClock.Now, Logger: log}, f.links)
	c := f.portalWith(t, sm, log)

	f.sims.Smaregi.Faults().Set(fault.Settings{Latency: fault.Duration(700 * time.Millisecond)})
	before := f.linkCounts(t)
	start := time.Now()
	body := postRefused(t, c, "/smaregi", f.creds(t), http.StatusServiceUnavailable,
		"スマレジから1秒以内に応答がありませんでした", "しばらくしてから")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the refusal took %v", d)
	}
	if after := f.linkCounts(t); after != before {
		t.Errorf("saved something: %s, then %s", before, after)
	}
	secret := f.creds(t).Get("client_secret")
	wantNotContains(t, "the page", body, secret)
	if !strings.Contains(logs.String(), "smaregi call failed") {
		t.Errorf("the timeout was not logged:\n%s", logs.String())
	}
	wantNotContains(t, "the log", logs.String(), secret)

	// Once Smaregi answers in time again, the same form links the contract.
	f.sims.Smaregi.Faults().Set(fault.Settings{})
	res, body := c.postForm("/smaregi", f.creds(t))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add after the slowness: %d\n%s", res.StatusCode, body)
	}
	wantNotContains(t, "the log", logs.String(), secret)
}

// portalWith serves the portal with another Smaregi service on the same
// database and returns the owner logged in to it.
func (f *smaregiEnv) portalWith(t *testing.T, sm *smaregilink.Service, log *slog.Logger) *client {
	t.Helper()
	srv := httptest.NewServer(newPortal(t, portal.Config{SessionLifetime: time.Hour, SessionIdle: time.Hour, Location: tokyo},
		portal.Deps{Pool: f.pool, Tenancy: f.store, Auth: auth.New(f.pool, f.store, auth.DefaultPolicy, log), Links: f.links,
			Ubiregi: f.ubiregi, Smaregi: sm, Logger: log, Ready: func(ctx context.Context) error { return nil }}))
	t.Cleanup(srv.Close)
	c := f.client(t)
	c.base, c.origin = srv.URL, srv.URL
	if res, body := c.postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", res.StatusCode, body)
	}
	return c
}

// rawKey is a message key shown as itself (a key missing from the
// catalogue); "home.smaregi.jp" is not one.
var rawKey = regexp.MustCompile(`(^|[^A-Za-z0-9.])((smaregi|flash|err|error)\.[a-z_]+)`)

// checkPage fails on a message key shown raw or a bad format.
func checkPage(t *testing.T, body string) {
	t.Helper()
	if m := rawKey.FindStringSubmatch(body); m != nil {
		t.Errorf("page shows the key %q", m[2])
	}
	if strings.Contains(body, "%!") {
		t.Errorf("page shows a bad format")
	}
}
