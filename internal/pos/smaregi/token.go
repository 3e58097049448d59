package smaregi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The scopes poslink asks for, as the 2026 notice (step ④) tells shops to
// enable them: 取引/予算の参照 and 店舗の参照.
const (
	ScopeTransactionsRead = "pos.transactions:read"
	ScopeStoresRead       = "pos.stores:read"
)

// Scopes are the scopes poslink needs.
var Scopes = []string{ScopeTransactionsRead, ScopeStoresRead}

// Credentials are a contract's app credentials (プラットフォームAPI設定).
type Credentials struct {
	ContractID   string
	ClientID     string
	ClientSecret string
}

// Token is an app access token.
type Token struct {
	AccessToken string
	// ExpiresIn is the lifetime Smaregi gave it (0 when it gave none).
	ExpiresIn time.Duration
	// Scopes are the scopes it grants.
	Scopes []string
}

// AppToken gets an app access token for the contract by the client
// credentials grant (POST {id}/app/{contract}/token, Basic authentication).
// The token endpoint's answers mean: 401 wrong client ID or secret
// (ErrCredentials), 404 unknown contract (ErrContractNotFound), 400 a scope
// unknown or not enabled for the app (ErrScope). A token granting fewer
// scopes than asked is ErrScope too, with Missing set.
func (c *Client) AppToken(ctx context.Context, cr Credentials, scopes ...string) (Token, error) {
	const op = "token"
	cfg := clientcredentials.Config{
		ClientID: cr.ClientID, ClientSecret: cr.ClientSecret,
		TokenURL:  c.idBase + "/app/" + url.PathEscape(cr.ContractID) + "/token",
		Scopes:    scopes,
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, c.hc))
	if err != nil {
		return Token{}, tokenError(op, err)
	}
	if tt := tok.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return Token{}, &Error{Op: op, Err: ErrBadResponse, Detail: "token_type " + shorten(tt)}
	}
	t := Token{AccessToken: tok.AccessToken, Scopes: scopes}
	// The package turns expires_in into a wall-clock Expiry (and drops
	// ExpiresIn for this grant); only the lifetime is kept, for callers
	// whose clock may not be the wall clock.
	if !tok.Expiry.IsZero() {
		t.ExpiresIn = max(time.Until(tok.Expiry).Round(time.Second), 0)
	}
	// RFC 6749 §5.1: a response without scope grants what was asked.
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		t.Scopes = strings.Fields(s)
	}
	var missing []string
	for _, s := range scopes {
		if !slices.Contains(t.Scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return Token{}, &Error{Op: op, Status: http.StatusOK, Err: ErrScope, Missing: missing}
	}
	return t, nil
}

// tokenError maps the oauth2 package's errors onto ours.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		e := statusError(op, re.Response, re.Body, ErrCredentials, nil, ErrContractNotFound)
		if re.Response.StatusCode == http.StatusBadRequest {
			e.Err = ErrScope
		}
		if e.Detail == "" && re.ErrorCode != "" {
			e.Detail = shorten(re.ErrorCode + " " + re.ErrorDescription)
		}
		return e
	}
	if isTransport(err) {
		return transportError(op, err)
	}
	// A 2xx answer the oauth2 package could not read (no access_token,
	// not JSON).
	return &Error{Op: op, Status: http.StatusOK, Err: ErrBadResponse, Detail: shorten(err.Error())}
}
