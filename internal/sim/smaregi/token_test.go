package smaregi

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

func TestTokenIssuedForClientCredentials(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	tok, err := f.oauth(c).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token %+v", tok)
	}
	if got := tok.Extra("scope"); got != "pos.transactions:read pos.stores:read" {
		t.Fatalf("scope %q, want the requested scopes echoed", got)
	}
	if got := tok.Extra("expires_in"); got != float64(3600) {
		t.Fatalf("expires_in %v, want 3600", got)
	}
	resp, b := get(t, f.client(t, c), f.pos(c, "/stores", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stores with a fresh token: %d %s", resp.StatusCode, b)
	}
}

// tokenStatus asks for a token and returns the HTTP status of the failure.
func tokenStatus(t *testing.T, f *fixture, c Contract, scopes ...string) (int, map[string]any) {
	t.Helper()
	_, err := f.oauth(c, scopes...).Token(context.Background())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want a token error, got %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal(re.Body, &body); err != nil {
		t.Fatalf("error body %q: %v", re.Body, err)
	}
	if body["status"] != float64(re.Response.StatusCode) {
		t.Fatalf("error body without the numeric status: %s", re.Body)
	}
	return re.Response.StatusCode, body
}

func TestTokenErrors(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{Scopes: []string{"pos.transactions:read"}})

	wrong := c
	wrong.ClientSecret = "not-the-secret"
	if st, _ := tokenStatus(t, f, wrong); st != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", st)
	}
	unknown := c
	unknown.ID = "skx000a0"
	if st, _ := tokenStatus(t, f, unknown); st != http.StatusNotFound {
		t.Errorf("unknown contract: %d, want 404", st)
	}
	if st, _ := tokenStatus(t, f, c, "pos.unknown:read"); st != http.StatusBadRequest {
		t.Errorf("unknown scope: %d, want 400", st)
	}
	st, body := tokenStatus(t, f, c, "pos.transactions:read", "pos.stores:read")
	if st != http.StatusBadRequest || !strings.Contains(body["detail"].(string), "pos.stores:read") {
		t.Errorf("scope not enabled for the app: %d %v, want 400 naming it", st, body)
	}
	// An empty contract ID, as the PHP client's live test sends it.
	resp, err := http.PostForm(f.ts.URL+"/app//token", url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("empty contract: %d, want 404", resp.StatusCode)
	}
	// A granted subset is fine.
	if _, err := f.oauth(c, "pos.transactions:read").Token(context.Background()); err != nil {
		t.Errorf("granted scope refused: %v", err)
	}
}

func TestReissuedSecretReplacesTheOld(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	secret, err := f.srv.ReissueSecret(c.ID)
	if err != nil || secret == c.ClientSecret {
		t.Fatalf("reissue: %q, %v", secret, err)
	}
	if st, _ := tokenStatus(t, f, c); st != http.StatusUnauthorized {
		t.Fatalf("old secret after reissue: %d, want 401", st)
	}
	c.ClientSecret = secret
	if _, err := f.oauth(c).Token(context.Background()); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	if err := f.srv.RevokeSecret(c.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := tokenStatus(t, f, c); st != http.StatusUnauthorized {
		t.Fatalf("revoked secret: %d, want 401", st)
	}
}

func TestTokenExpiresOnTheSimulatedClock(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	if resp, b := get(t, cl, f.pos(c, "/stores", nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: %d %s", resp.StatusCode, b)
	}
	f.clock.Advance(TokenLifetime - time.Second)
	if resp, b := get(t, cl, f.pos(c, "/stores", nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("token a second before expiry: %d %s", resp.StatusCode, b)
	}
	f.clock.Advance(time.Second)
	// The client's cached token looks valid on the real clock: the API says no.
	resp, b := get(t, cl, f.pos(c, "/stores", nil))
	if p := problemOf(t, resp, b, http.StatusUnauthorized); !strings.Contains(p["detail"].(string), "expired") {
		t.Fatalf("detail %v", p["detail"])
	}
	if resp, b := get(t, f.client(t, c), f.pos(c, "/stores", nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("new token after expiry: %d %s", resp.StatusCode, b)
	}
}

func TestRevokedTokensAreRefused(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	get(t, cl, f.pos(c, "/stores", nil))
	if err := f.srv.RevokeTokens(c.ID); err != nil {
		t.Fatal(err)
	}
	resp, b := get(t, cl, f.pos(c, "/stores", nil))
	problemOf(t, resp, b, http.StatusUnauthorized)
	if resp, b := get(t, f.client(t, c), f.pos(c, "/stores", nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("token issued after the revocation: %d %s", resp.StatusCode, b)
	}
	// Forged, garbled or misplaced tokens are 401 too, never a crash.
	good, err := f.oauth(c).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{
		"Bearer " + jwtHeader + ".e30.AAAA", "Bearer " + jwtHeader + ".", "Bearer " + jwtHeader + ".x",
		"Bearer " + jwtHeader, "Bearer .", "Bearer", "Basic abc", "", "Bearer " + good.AccessToken + "x",
		"Bearer " + strings.Replace(good.AccessToken, ".", "..", 1),
	} {
		req, _ := http.NewRequest(http.MethodGet, f.pos(c, "/stores", nil), nil)
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("Authorization %q: %d, want 401", h, resp.StatusCode)
		}
	}
}

func TestSeparateListenersForIDAndAPIHosts(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	id := newServer(t, f.srv.IDHandler())
	api := newServer(t, f.srv.APIHandler())
	cfg := f.oauth(c)
	cfg.TokenURL = id + "/app/" + c.ID + "/token"
	resp, b := get(t, cfg.Client(context.Background()), api+"/"+c.ID+"/pos/terminals")
	if resp.StatusCode != http.StatusOK || len(heads(t, b)) != 3 {
		t.Fatalf("terminals via separate hosts: %d %s", resp.StatusCode, b)
	}
	// The API host does not issue tokens.
	r, err := http.PostForm(api+"/app/"+c.ID+"/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token endpoint on the API host: %d", r.StatusCode)
	}
}
