package ubiregi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
)

// oauthError is an RFC 6749 §5.2 error body.
//
// ASSUMPTION: [pos-apis.md §5 #9] Ubiregi's token endpoint answers errors
// as RFC 6749 JSON, {"error": "invalid_grant", "error_description": "..."}.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, oauthError{code, desc})
}

// handleToken is POST /oauth2/token: authorization_code and refresh_token
// grants, the client authenticated with HTTP Basic (or, for public
// clients, client_id in the form).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	c, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	var (
		tok  TokenResponse
		gerr *grantError
	)
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		tok, gerr = s.exchangeCode(r.PostForm, c)
	case "refresh_token":
		tok, gerr = s.refreshToken(r.PostForm, c)
	case "":
		gerr = &grantError{"invalid_request", "grant_type is required"}
	default:
		gerr = &grantError{"unsupported_grant_type", "grant_type must be authorization_code or refresh_token"}
	}
	if gerr != nil {
		s.log.Info("ubiregi sim: token request refused", "reason", gerr.code, "detail", gerr.desc, "client_id", c.ID)
		writeOAuthError(w, http.StatusBadRequest, gerr.code, gerr.desc)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tok)
}

// authenticateClient checks the client's credentials. Basic credentials
// are form-encoded before base64 (RFC 6749 §2.3.1, as golang.org/x/oauth2
// sends them), so they are unescaped here.
//
// ASSUMPTION: besides Basic (documented), client_id and client_secret in
// the form body are accepted, as RFC 6749 allows.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request) (Client, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := s.client(id)
	if ok && (c.Public || constantTimeEqual(secret, c.Secret)) {
		return c, true
	}
	if basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="Ubiregi"`)
	}
	s.log.Info("ubiregi sim: token request refused", "reason", "invalid_client", "client_id", id)
	writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret")
	return Client{}, false
}

// grantError is a refused grant: an RFC 6749 error code and why.
type grantError struct{ code, desc string }

func (s *Server) exchangeCode(f url.Values, c Client) (TokenResponse, *grantError) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.codes[f.Get("code")]
	if !ok || code.clientID != c.ID {
		return TokenResponse{}, &grantError{"invalid_grant", "unknown authorization code"}
	}
	if code.used {
		// A replayed code may be stolen: end what its first use minted.
		s.revokeLocked(code.minted)
		code.minted = nil
		s.log.Info("ubiregi sim: authorization code replayed; its tokens revoked", "client_id", c.ID, "account_id", code.accountID)
		return TokenResponse{}, &grantError{"invalid_grant", "authorization code already used"}
	}
	// A code is good for one presentation, whatever its outcome.
	code.used = true
	if !now.Before(code.expires) {
		return TokenResponse{}, &grantError{"invalid_grant", "authorization code expired"}
	}
	if ru, given := f["redirect_uri"]; (given && ru[0] != code.redirectURI) || (!given && code.explicit) {
		return TokenResponse{}, &grantError{"invalid_grant", "redirect_uri does not match the authorization request"}
	}
	// ASSUMPTION: [pos-apis.md §5 #1] PKCE is optional; when the
	// authorization request carried a code_challenge, the verifier must
	// match it.
	if code.challenge != "" && !pkceMatches(code.challenge, code.method, f.Get("code_verifier")) {
		return TokenResponse{}, &grantError{"invalid_grant", "code_verifier does not match the code_challenge"}
	}
	if s.accountLocked(code.accountID) == nil {
		return TokenResponse{}, &grantError{"invalid_grant", "the account no longer exists"}
	}
	g := s.mintLocked(c.ID, code.accountID, now)
	code.minted = g
	s.log.Info("ubiregi sim: token issued", "client_id", c.ID, "account_id", g.accountID, "grant", g.id)
	return s.tokenResponse(g, now), nil
}

func (s *Server) refreshToken(f url.Values, c Client) (TokenResponse, *grantError) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := s.tokens[f.Get("refresh_token")]
	switch {
	case !ok || !ref.refresh || ref.g.clientID != c.ID:
		return TokenResponse{}, &grantError{"invalid_grant", "unknown or revoked refresh token"}
	case !now.Before(ref.g.refreshExp):
		return TokenResponse{}, &grantError{"invalid_grant", "refresh token expired"}
	case s.accountLocked(ref.g.accountID) == nil:
		return TokenResponse{}, &grantError{"invalid_grant", "the account no longer exists"}
	}
	// Documented: refreshing invalidates the old access token and issues
	// a new access and refresh token pair.
	s.rotateLocked(ref.g, now)
	return s.tokenResponse(ref.g, now), nil
}

// pkceMatches checks a code_verifier against the challenge (RFC 7636).
func pkceMatches(challenge, method, verifier string) bool {
	if !validPKCE(verifier) {
		return false
	}
	if method == "plain" {
		return constantTimeEqual(verifier, challenge)
	}
	sum := sha256.Sum256([]byte(verifier))
	return constantTimeEqual(base64.RawURLEncoding.EncodeToString(sum[:]), challenge)
}

// validPKCE reports whether v has the form RFC 7636 gives verifiers and
// challenges: 43–128 characters of [A-Za-z0-9-._~].
func validPKCE(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := range len(v) {
		switch ch := v[i]; {
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '-', ch == '.', ch == '_', ch == '~':
		default:
			return false
		}
	}
	return true
}
