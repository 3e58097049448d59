package smaregi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TokenLifetime is how long an app access token lives.
// ASSUMPTION: (#10) expires_in is 3600 s, the value community specs show.
const TokenLifetime = 3600 * time.Second

// knownScopes are the Platform API's scopes (pos-apis §2.2); a token's
// scopes are a bit set over this list.
var knownScopes = []string{
	"pos.transactions:read", "pos.transactions:write",
	"pos.stores:read", "pos.stores:write",
	"pos.staffs:read", "pos.staffs:write",
	"pos.products:read", "pos.products:write",
	"pos.customers:read", "pos.customers:write",
	"pos.stock:read", "pos.stock:write",
	"pos.suppliers:read", "pos.suppliers:write",
	"pos.losses:read", "pos.losses:write",
	"pos.orders:read", "pos.orders:write",
	"pos.transfers:read", "pos.transfers:write",
	"pos.stocktaking:read",
	"common.contracts:read", "common.taxes:read", "common.currencies:read", "common.shop:read",
}

func scopeBit(name string) (uint64, bool) {
	for i, s := range knownScopes {
		if s == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// scopeMask turns a list of scope names into bits.
func scopeMask(names []string) (uint64, error) {
	var m uint64
	for _, n := range names {
		b, ok := scopeBit(n)
		if !ok {
			return 0, fmt.Errorf("unknown scope %q", n)
		}
		m |= b
	}
	return m, nil
}

// claims are what an access token carries. Tokens are signed rather than
// stored, so a synthetic range of any size needs no token table; revoking
// bumps the contract's generation, which old tokens then fail to match.
type claims struct {
	Sub   string `json:"sub"` // contract ID
	Aud   string `json:"aud"` // client ID
	Scope string `json:"scope"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Gen   uint32 `json:"gen"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))

// sign makes an HS256 JWT of c. Clients must treat it as opaque.
func (s *Server) sign(c claims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("token claims: %w", err)
	}
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

var errBadToken = errors.New("the access token is invalid")

// verify checks a token's signature and returns its claims.
func (s *Server) verify(token string) (claims, error) {
	var c claims
	i := strings.LastIndexByte(token, '.')
	if i <= len(jwtHeader) || !strings.HasPrefix(token, jwtHeader+".") {
		return c, errBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return c, errBadToken
	}
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(token[:i]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, errBadToken
	}
	body, err := base64.RawURLEncoding.DecodeString(token[len(jwtHeader)+1 : i])
	if err != nil {
		return c, errBadToken
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, errBadToken
	}
	return c, nil
}

// tokenResponse is the token endpoint's answer, in the documented order.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// serveID is the ID host: POST /app/{contract_id}/token issues an app
// access token for the client credentials grant.
func (s *Server) serveID(w http.ResponseWriter, r *http.Request) {
	rest, _ := strings.CutPrefix(r.URL.Path, "/app/")
	contractID, tail, _ := strings.Cut(rest, "/")
	if tail != "token" {
		writeProblem(w, http.StatusNotFound, "No such endpoint.")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeProblem(w, http.StatusMethodNotAllowed, "The token endpoint takes POST.")
		return
	}
	// Errors as observed against the live API (pos-apis §2.2): empty or
	// unknown contract 404, bad credentials 401, unknown scope 400.
	if contractID == "" {
		writeProblem(w, http.StatusNotFound, "The contract ID is empty.")
		return
	}
	a, ok := s.lookup(contractID)
	if !ok {
		writeProblem(w, http.StatusNotFound, "The contract was not found.")
		return
	}
	if !s.limiter.allow(a.ID, s.limitOf(a), s.clock.Now()) {
		tooMany(w)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || !credentialsMatch(a, id, secret) {
		writeProblem(w, http.StatusUnauthorized, "The client credentials are invalid.")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeProblem(w, http.StatusBadRequest, "The body must be application/x-www-form-urlencoded.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeProblem(w, http.StatusBadRequest, fmt.Sprintf("grant_type %q is not supported; use client_credentials.", gt))
		return
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	if len(requested) == 0 {
		// ASSUMPTION: scope is required; nothing public shows a default.
		writeProblem(w, http.StatusBadRequest, "scope is required.")
		return
	}
	mask, err := scopeMask(requested)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "The requested scope is invalid: "+err.Error()+".")
		return
	}
	if missing := mask &^ a.scopes; missing != 0 {
		// ASSUMPTION: a known scope not enabled for the app is refused like
		// an unknown one, 400 (RFC 6749 §5.2 invalid_scope covers both); the
		// 403 of the sources is for an API call whose token lacks the scope.
		writeProblem(w, http.StatusBadRequest, "The requested scope is not enabled for this app: "+scopeNames(missing)+".")
		return
	}
	now := s.clock.Now()
	tok, err := s.sign(claims{
		Sub: a.ID, Aud: a.ClientID, Scope: strings.Join(requested, " "),
		Iat: now.Unix(), Exp: now.Add(TokenLifetime).Unix(), Gen: a.tokenGen,
	})
	if err != nil {
		s.log.Error("smaregi sim: sign token", "err", err)
		writeProblem(w, http.StatusInternalServerError, "The token could not be issued.")
		return
	}
	body, err := json.Marshal(tokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(TokenLifetime / time.Second),
		Scope: strings.Join(requested, " "),
	})
	if err != nil {
		s.log.Error("smaregi sim: encode token", "err", err)
		writeProblem(w, http.StatusInternalServerError, "The token could not be issued.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// credentialsMatch compares Basic credentials with the app's. Clients that
// follow RFC 6749 §2.3.1 (golang.org/x/oauth2 does) form-encode both
// before Base64, others do not, so both readings are tried.
func credentialsMatch(a *account, id, secret string) bool {
	if a.ClientSecret == "" {
		return false // revoked
	}
	eq := func(x, y string) bool { return subtle.ConstantTimeCompare([]byte(x), []byte(y)) == 1 }
	if eq(id, a.ClientID) && eq(secret, a.ClientSecret) {
		return true
	}
	uid, err1 := url.QueryUnescape(id)
	usec, err2 := url.QueryUnescape(secret)
	return err1 == nil && err2 == nil && eq(uid, a.ClientID) && eq(usec, a.ClientSecret)
}

func scopeNames(mask uint64) string {
	var out []string
	for i, s := range knownScopes {
		if mask&(1<<i) != 0 {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// tooMany answers a request over the contract's rate limit.
func tooMany(w http.ResponseWriter) {
	// ASSUMPTION: (#11) 429 with Retry-After: 1 and a problem body.
	w.Header().Set("Retry-After", "1")
	writeProblem(w, http.StatusTooManyRequests, "Rate limit exceeded for this contract; retry after 1 second.")
}
