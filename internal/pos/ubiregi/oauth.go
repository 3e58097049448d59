package ubiregi

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/poslink/poslink/internal/pos"
)

// Token is a grant as the token endpoint returns it. Lifetimes are
// relative: the caller turns them into instants with its own clock, so
// that the decision to refresh never depends on the library's.
type Token struct {
	AccessToken  string
	RefreshToken string
	// ExpiresIn and RefreshExpiresIn are the lifetimes Ubiregi gave (24 h
	// and 14 days today); zero when it gave none.
	ExpiresIn        time.Duration
	RefreshExpiresIn time.Duration
	// AccountID is Ubiregi's account_id extension: whose grant this is.
	AccountID int64
}

// NewVerifier returns a fresh PKCE code verifier (RFC 7636).
func NewVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL is the consent page's address for an authorization request
// with state and the S256 challenge of verifier.
//
// Ubiregi does not document PKCE; the challenge costs nothing where it is
// ignored and binds the code to this request where it is honoured.
func (c *Client) AuthCodeURL(state, verifier string) string {
	return c.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades an authorization code for a grant.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (Token, error) {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	tok, err := c.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Token{}, c.tokenError("exchange the authorization code", err)
	}
	t, err := fromOAuth(tok)
	if err == nil && t.RefreshToken == "" {
		// Ubiregi always rotates a pair; a grant that cannot be refreshed
		// would die silently within a day.
		err = malformed("exchange the authorization code", "no refresh_token")
	}
	return t, err
}

// Refresh trades a refresh token for a new pair. Ubiregi rotates: the old
// access and refresh tokens stop working once this returns.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	// A token without an access token is never valid, so the source goes
	// straight to the token endpoint, whatever the library's clock says.
	tok, err := c.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return Token{}, c.tokenError("refresh the access token", err)
	}
	return fromOAuth(tok)
}

// callContext bounds one call and hands the oauth2 library our HTTP client.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return context.WithValue(ctx, oauth2.HTTPClient, c.http), cancel
}

// tokenError sorts a failure of the token endpoint into pos's classes.
// The library's own error text may quote the response body, so it is not
// kept; only an OAuth error code is.
func (c *Client) tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil:
		s := re.Response.StatusCode
		switch class := pos.StatusClass(s); {
		case class == pos.RateLimited:
			e := fail(op, s, class, "", "")
			e.RetryAfter = pos.ParseRetryAfter(re.Response.Header, c.now())
			return e
		case class == pos.Unavailable:
			return fail(op, s, class, "", "")
		case refusals[re.ErrorCode]:
			return fail(op, s, pos.CredentialsRefused, re.ErrorCode, "")
		case class == pos.NotFound:
			return fail(op, s, class, "", "")
		case oauthErrorCode.MatchString(re.ErrorCode):
			// A request the server did not take (invalid_request,
			// unsupported_grant_type …): ours or its model is wrong.
			return fail(op, s, pos.Malformed, re.ErrorCode, "")
		default:
			return fail(op, s, pos.Malformed, "", "no OAuth error code")
		}
	case isTransport(err):
		return pos.Transport(Provider, op, c.timeout, err)
	default:
		// Unparseable JSON, or a 200 without access_token.
		return malformed(op, "not a token response")
	}
}

// oauthErrorCode is what an OAuth error code looks like (RFC 6749
// §5.2); anything else is not repeated in an error.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// fromOAuth reads the library's token, with Ubiregi's extensions.
func fromOAuth(tok *oauth2.Token) (Token, error) {
	t := Token{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		ExpiresIn: time.Duration(tok.ExpiresIn) * time.Second,
	}
	if t.ExpiresIn < 0 {
		return Token{}, malformed("read the token", "negative expires_in")
	}
	if v, ok := number(tok.Extra("refresh_token_expires_in")); ok && v > 0 {
		t.RefreshExpiresIn = time.Duration(v) * time.Second
	}
	if v, ok := number(tok.Extra("account_id")); ok && v > 0 {
		t.AccountID = v
	}
	return t, nil
}

// number reads an integer extension field, which JSON decoding into an
// interface gives as a float64 (or a string, from a form-encoded answer).
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != float64(int64(n)) {
			return 0, false
		}
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}
