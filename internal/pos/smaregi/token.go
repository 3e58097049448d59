package smaregi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/poslink/poslink/internal/pos"
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
// (ReasonCredentials), 404 unknown contract (ReasonContract), 400 a scope
// unknown or not enabled for the app (ReasonScope). A token granting fewer
// scopes than asked is ReasonScope too, the missing ones in Detail.
func (c *Client) AppToken(ctx context.Context, cr Credentials, scopes ...string) (Token, error) {
	k := call{"token", cr.ContractID}
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
		return Token{}, c.tokenError(k, err)
	}
	if tt := tok.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return Token{}, k.fail(http.StatusOK, pos.Malformed, "", "token_type "+tt)
	}
	t := Token{AccessToken: tok.AccessToken, Scopes: scopes}
	// The package turns expires_in into a wall-clock Expiry (and drops
	// ExpiresIn for this grant); the lifetime is read from the answer
	// itself, for callers whose clock is not the wall clock.
	if n, ok := seconds(tok.Extra("expires_in")); ok && n > 0 {
		t.ExpiresIn = time.Duration(n) * time.Second
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
		return Token{}, k.fail(http.StatusOK, pos.CredentialsRefused, ReasonScope, "missing "+strings.Join(missing, " "))
	}
	return t, nil
}

// tokenError maps the oauth2 package's errors onto pos's classes.
func (c *Client) tokenError(k call, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		e := c.statusError(k, re.Response, re.Body, ReasonCredentials, "")
		if re.Response.StatusCode == http.StatusBadRequest {
			e.Class, e.Reason = pos.CredentialsRefused, ReasonScope
		}
		if e.Detail == "" && re.ErrorCode != "" {
			e.Detail = pos.Shorten(re.ErrorCode + " " + re.ErrorDescription)
		}
		return e
	}
	if isTransport(err) {
		return c.transportError(k, err)
	}
	// A 2xx answer the oauth2 package could not read (no access_token,
	// not JSON).
	return k.fail(http.StatusOK, pos.Malformed, "", err.Error())
}

// seconds reads a number of seconds from a token answer's field: a float64
// from JSON, a string from a form-encoded answer.
func seconds(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), n == float64(int64(n))
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}
