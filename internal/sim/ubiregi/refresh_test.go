package ubiregi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// refresh forces a refresh through the oauth2 library, as the portal does
// when the API answers expired=true (the library's own expiry runs on the
// real clock, the simulator's on the simulated one).
func (f *fixture) refresh(refreshToken string) (*oauth2.Token, error) {
	return f.conf.TokenSource(context.Background(), &oauth2.Token{
		RefreshToken: refreshToken, Expiry: time.Now().Add(-time.Minute),
	}).Token()
}

func TestRefreshRotation(t *testing.T) {
	f := newFixture(t, 1)
	tok := f.token()

	f.clock.Advance(24*time.Hour + time.Second)
	resp, body := f.api(tok.AccessToken, "/api/3/accounts/current")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token",expired=true` {
		t.Fatalf("expired token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	reasons(t, body)

	fresh, err := f.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.RefreshToken == "" {
		t.Fatal("refresh did not rotate both tokens")
	}
	if id, _ := fresh.Extra("account_id").(float64); int64(id) != f.acct.ID {
		t.Fatalf("refreshed account_id %v", fresh.Extra("account_id"))
	}
	if resp, _ := f.api(fresh.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
		t.Fatalf("new access token: %d", resp.StatusCode)
	}
	// The old pair is dead: the access token is invalid (not expired), the
	// refresh token refused.
	resp, _ = f.api(tok.AccessToken, "/api/3/accounts/current")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Fatalf("old access token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if _, err := f.refresh(tok.RefreshToken); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("the old refresh token still works")
	}

	// Refreshing before expiry is fine too, and rotates again.
	again, err := f.refresh(fresh.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.api(fresh.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatal("an access token survived the refresh of its pair")
	}

	// A refresh token lives 14 days.
	f.clock.Advance(14*24*time.Hour + time.Second)
	if _, err := f.refresh(again.RefreshToken); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("a refresh token older than 14 days was accepted")
	}
}

func TestRevokedGrant(t *testing.T) {
	f := newFixture(t, 1)
	tok, other := f.token(), f.token()
	if err := f.sim.RevokeToken(tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.api(tok.AccessToken, "/api/3/accounts/current")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Fatalf("revoked token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if _, err := f.refresh(tok.RefreshToken); grantErrorCode(t, err) != "invalid_grant" {
		t.Fatal("the refresh token of a revoked grant works")
	}
	// Another grant of the same account is untouched…
	if resp, _ := f.api(other.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the other grant: %d", resp.StatusCode)
	}
	// …until all of the account's access is revoked (admin endpoint), which
	// also makes the next authorization ask for consent again.
	b := newBrowser(t)
	f.consent(b, oauth2.GenerateVerifier())
	resp, body := postForm(t, http.DefaultClient, f.ts.URL+"/_sim/accounts/"+itoa(f.acct.ID)+"/revoke", nil)
	if resp.StatusCode != http.StatusOK || body != "{\"revoked\":1}\n" {
		t.Fatalf("revoke all: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.api(other.AccessToken, "/api/3/accounts/current"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatal("a token survived the revocation of its account")
	}
	_, pageHTML := get(t, b, f.conf.AuthCodeURL("again"))
	if !contains(pageHTML, "許可する") || !contains(pageHTML, `type="password"`) {
		t.Fatal("consent was not asked again after revocation")
	}
}

func TestBadTokens(t *testing.T) {
	f := newFixture(t, 1)
	tok := f.token()
	for name, tc := range map[string]struct{ header, want string }{
		"missing":       {"", `Bearer realm="Ubiregi"`},
		"unknown":       {"Bearer nope", `Bearer error="invalid_token"`},
		"refresh token": {"Bearer " + tok.RefreshToken, `Bearer error="invalid_token"`},
		"basic":         {"Basic Zm9vOmJhcg==", `Bearer realm="Ubiregi"`},
		"empty bearer":  {"Bearer ", `Bearer realm="Ubiregi"`},
	} {
		req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/api/3/accounts/current/checkouts", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != tc.want {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// TestDeadGrantsArePruned: grants whose refresh token expired are dropped,
// so a long run does not keep every token it ever issued.
func TestDeadGrantsArePruned(t *testing.T) {
	f := newFixture(t, 1)
	for range 300 {
		if _, err := f.sim.IssueToken(testClientID, f.acct.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(15 * 24 * time.Hour)
	for range 300 {
		if _, err := f.sim.IssueToken(testClientID, f.acct.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.sim.mu.Lock()
	grants, tokens := len(f.sim.grants), len(f.sim.tokens)
	f.sim.mu.Unlock()
	if grants > 300 || tokens > 2*300 {
		t.Fatalf("%d grants and %d tokens kept; want at most the 300 live ones", grants, tokens)
	}
}
