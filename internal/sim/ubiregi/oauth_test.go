package ubiregi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestConsentFlow(t *testing.T) {
	f := newFixture(t, 3)
	b := newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	state := "state-1"
	resp, pageHTML := get(t, b, f.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("authorize page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"セーフィーがあなたのアカウントにアクセスすることを許可しますか？",
		"メールアドレスまたはアカウント名", "パスワード", "許可する", "許可しない",
		"一度連携したアプリはアプリ設定から変更、取り消しができます。",
		"開発者", "Safie", "Webサイト", "https://safie.link/apps", "説明", "クラウドレコーディングサービス",
		`type="password"`,
	} {
		if !strings.Contains(pageHTML, want) {
			t.Errorf("the consent page lacks %q", want)
		}
	}
	if strings.Contains(pageHTML, "<script") || strings.Contains(pageHTML, "src=") {
		t.Error("the consent page loads scripts or external assets")
	}

	// 許可する with the e-mail address (any case) as the login.
	_, body := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(t, pageHTML)}, "login": {strings.ToUpper(testEmail)}, "password": {testPassword}, "decision": {"allow"},
	})
	q := callbackQuery(t, body)
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("callback got %v", q)
	}
	tok, err := f.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := tok.Extra("account_id").(float64); int64(id) != f.acct.ID {
		t.Fatalf("account_id %v, want %d", tok.Extra("account_id"), f.acct.ID)
	}
	if tok.TokenType != "bearer" || tok.RefreshToken == "" || tok.Extra("refresh_token_expires_in") != float64(14*24*3600) || tok.Extra("expires_in") != float64(86400) {
		t.Fatalf("token response: type %q, extras %v %v", tok.TokenType, tok.Extra("expires_in"), tok.Extra("refresh_token_expires_in"))
	}

	// The portal then reads the account through the oauth2 client.
	resp2, err := f.conf.Client(context.Background(), tok).Get(f.ts.URL + "/api/3/accounts/current")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var cur struct {
		Account struct {
			ID      int64 `json:"id"`
			Login   string
			Devices []struct{ GUID, Name string }
		} `json:"account"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.NewDecoder(resp2.Body).Decode(&cur); err != nil || resp2.StatusCode != 200 {
		t.Fatalf("accounts/current: %d %v", resp2.StatusCode, err)
	}
	if cur.Account.ID != f.acct.ID || len(cur.Account.Devices) != 3 || cur.Account.Devices[0].Name != "レジ1" || cur.Timestamp != "2026-11-20T05:00:00Z" {
		t.Fatalf("accounts/current: %+v", cur)
	}

	// Consent is asked the first time only: the same browser comes straight
	// back with a code, and that code mints a new token.
	_, body = get(t, b, f.conf.AuthCodeURL("state-2"))
	q = callbackQuery(t, body)
	if q.Get("state") != "state-2" || q.Get("code") == "" {
		t.Fatalf("second authorization: %v", q)
	}
	tok2, err := f.conf.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok2.AccessToken == tok.AccessToken || tok2.Extra("account_id") != tok.Extra("account_id") {
		t.Fatal("the second exchange did not mint a new token for the same account")
	}

	// force_authorize shows the button again, without asking the password.
	_, pageHTML = get(t, b, f.conf.AuthCodeURL("state-3", oauth2.SetAuthURLParam("force_authorize", "true")))
	if !strings.Contains(pageHTML, "許可する") || strings.Contains(pageHTML, `type="password"`) || !strings.Contains(pageHTML, testLogin) {
		t.Fatalf("force_authorize page:\n%s", pageHTML)
	}
	_, body = postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{"request_id": {requestID(t, pageHTML)}, "decision": {"allow"}})
	if q := callbackQuery(t, body); q.Get("code") == "" || q.Get("state") != "state-3" {
		t.Fatalf("force_authorize: %v", q)
	}

	// force_login asks for the password again.
	_, pageHTML = get(t, b, f.conf.AuthCodeURL("state-4", oauth2.SetAuthURLParam("force_login", "true")))
	if !strings.Contains(pageHTML, `type="password"`) {
		t.Fatal("force_login did not ask for the password")
	}
}

func TestConsentDenied(t *testing.T) {
	f := newFixture(t, 1)
	b := newBrowser(t)
	_, pageHTML := get(t, b, f.conf.AuthCodeURL("deny-state"))
	_, body := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{"request_id": {requestID(t, pageHTML)}, "decision": {"deny"}})
	q := callbackQuery(t, body)
	if q.Get("error") != "access_denied" || q.Get("state") != "deny-state" || q.Has("code") {
		t.Fatalf("許可しない: callback got %v", q)
	}
	// The request is spent.
	resp, _ := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{"request_id": {requestID(t, pageHTML)}, "decision": {"allow"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed form: %d", resp.StatusCode)
	}
}

func TestConsentWrongPassword(t *testing.T) {
	f := newFixture(t, 1)
	b := newBrowser(t)
	_, pageHTML := get(t, b, f.conf.AuthCodeURL("pw-state"))
	id := requestID(t, pageHTML)
	resp, body := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {id}, "login": {testLogin}, "password": {"wrong"}, "decision": {"allow"},
	})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Host != strings.TrimPrefix(f.ts.URL, "http://") {
		t.Fatalf("wrong password: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{"メールアドレスまたはアカウント名、パスワードが正しくありません。", `value="` + testLogin + `"`, "許可する"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after a wrong password lacks %q", want)
		}
	}
	_, body = postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(t, body)}, "login": {testLogin}, "password": {testPassword}, "decision": {"allow"},
	})
	if q := callbackQuery(t, body); q.Get("code") == "" || q.Get("state") != "pw-state" {
		t.Fatalf("retry with the right password: %v", q)
	}
}

func TestAuthorizeRefusesWithoutRedirect(t *testing.T) {
	f := newFixture(t, 1)
	b := noRedirects(newBrowser(t))
	for name, u := range map[string]string{
		"unknown client":           f.ts.URL + "/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=" + url.QueryEscape(f.conf.RedirectURL) + "&state=x",
		"missing client":           f.ts.URL + "/oauth2/authorize?response_type=code",
		"unregistered redirect":    f.ts.URL + "/oauth2/authorize?response_type=code&client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape("http://evil.example/cb") + "&state=x",
		"redirect with extra path": f.ts.URL + "/oauth2/authorize?response_type=code&client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape(f.conf.RedirectURL+"/x"),
	} {
		resp, body := get(t, b, u)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "エラー") {
			t.Errorf("%s: %d, Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// A bad response_type goes back to the (registered) client as an error.
	resp, _ := get(t, b, f.ts.URL+"/oauth2/authorize?response_type=token&client_id="+testClientID+"&state=s")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "unsupported_response_type" || loc.Query().Get("state") != "s" {
		t.Fatalf("response_type=token: %d %s", resp.StatusCode, loc)
	}
}

func TestConsentFormFromAnotherBrowser(t *testing.T) {
	f := newFixture(t, 1)
	_, pageHTML := get(t, newBrowser(t), f.conf.AuthCodeURL("s"))
	resp, _ := postForm(t, newBrowser(t), f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(t, pageHTML)}, "login": {testLogin}, "password": {testPassword}, "decision": {"allow"},
	})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a form posted from another browser: %d", resp.StatusCode)
	}
}

// grantError returns the RFC 6749 error code of a failed token request.
func grantErrorCode(t *testing.T, err error) string {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want a token endpoint error, got %v", err)
	}
	return re.ErrorCode
}

func TestCodeReuseRevokes(t *testing.T) {
	f := newFixture(t, 1)
	verifier := oauth2.GenerateVerifier()
	code := f.consent(newBrowser(t), verifier)
	tok, err := f.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != 200 {
		t.Fatalf("fresh token: %d", resp.StatusCode)
	}
	_, err = f.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if c := grantErrorCode(t, err); c != "invalid_grant" {
		t.Fatalf("reused code: %s", c)
	}
	// RFC 6749 §4.1.2: what the code minted is revoked.
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != 401 {
		t.Fatalf("token of a replayed code still works: %d", resp.StatusCode)
	}
	if _, err := f.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("refresh token of a replayed code still works")
	}
}

func TestPKCEMismatch(t *testing.T) {
	f := newFixture(t, 1)
	code := f.consent(newBrowser(t), oauth2.GenerateVerifier())
	_, err := f.conf.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if c := grantErrorCode(t, err); c != "invalid_grant" {
		t.Fatalf("wrong verifier: %s", c)
	}
	code = f.consent(newBrowser(t), oauth2.GenerateVerifier())
	if _, err := f.conf.Exchange(context.Background(), code); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("a missing verifier was accepted")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	f := newFixture(t, 1)
	verifier := oauth2.GenerateVerifier()
	code := f.consent(newBrowser(t), verifier)

	bad := *f.conf
	bad.ClientSecret = "wrong"
	if _, err := bad.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); grantErrorCode(t, err) != "invalid_client" {
		t.Fatal("a wrong client secret was accepted")
	}
	// The code is untouched by a request that failed client authentication.
	other := *f.conf
	other.RedirectURL = f.cb.URL + "/elsewhere"
	if _, err := other.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("a different redirect_uri was accepted")
	}
	if _, err := f.conf.Exchange(context.Background(), "no-such-code"); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("an unknown code was accepted")
	}
	// Expired code.
	code = f.consent(newBrowser(t), verifier)
	f.clock.Advance(codeTTL + time.Second)
	if _, err := f.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("an expired code was accepted")
	}

	// Raw requests: RFC 6749 JSON bodies.
	for name, tc := range map[string]struct {
		form   url.Values
		status int
		code   string
	}{
		"no grant_type":      {url.Values{}, 400, "invalid_request"},
		"password grant":     {url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		"unknown refresh":    {url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, 400, "invalid_grant"},
		"code without value": {url.Values{"grant_type": {"authorization_code"}}, 400, "invalid_grant"},
	} {
		req, _ := http.NewRequest(http.MethodPost, f.conf.Endpoint.TokenURL, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e oauthError
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || e.Error != tc.code || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %+v %v", name, resp.StatusCode, e, err)
		}
	}
}

func TestPublicClient(t *testing.T) {
	f := newFixture(t, 1)
	if err := f.sim.RegisterClient(Client{ID: "mobile-app", Public: true, RedirectURIs: []string{f.cb.URL + "/m"}, Name: "モバイル"}); err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{
		ClientID:    "mobile-app",
		Endpoint:    oauth2.Endpoint{AuthURL: f.conf.Endpoint.AuthURL, TokenURL: f.conf.Endpoint.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: f.cb.URL + "/m",
	}
	b := newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	_, pageHTML := get(t, b, conf.AuthCodeURL("m", oauth2.S256ChallengeOption(verifier)))
	_, body := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(t, pageHTML)}, "login": {testLogin}, "password": {testPassword}, "decision": {"allow"},
	})
	tok, err := conf.Exchange(context.Background(), callbackQuery(t, body).Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current"); resp.StatusCode != 200 {
		t.Fatalf("public client's token: %d", resp.StatusCode)
	}
}

func TestSyntheticAccountLogsIn(t *testing.T) {
	f := newFixture(t, 1)
	if err := f.sim.SetSynthetic(Synthetic{Count: 1000, Devices: 2000}); err != nil {
		t.Fatal(err)
	}
	a, ok := f.sim.SyntheticAccount(DefaultSyntheticFirstID + 7)
	if !ok {
		t.Fatal("no synthetic account")
	}
	b := newBrowser(t)
	_, pageHTML := get(t, b, f.conf.AuthCodeURL("syn"))
	_, body := postForm(t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(t, pageHTML)}, "login": {a.Email}, "password": {a.Password}, "decision": {"allow"},
	})
	tok, err := f.conf.Exchange(context.Background(), callbackQuery(t, body).Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := tok.Extra("account_id").(float64); int64(id) != a.ID {
		t.Fatalf("account_id %v, want %d", tok.Extra("account_id"), a.ID)
	}
}
