package ubiregi

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"time"
)

// grant is one authorization of a client by an account: what one
// authorization_code exchange (or IssueToken) creates. Refreshing rotates
// its token pair; revoking ends it. It is the only per-user state of the
// API side, and it holds the token's rate-limit bucket.
type grant struct {
	id         uint64
	clientID   string
	accountID  int64
	access     string
	refresh    string
	accessExp  time.Time
	refreshExp time.Time
	revoked    bool
	// bucket is the rate limiter's tokens as of bucketAt.
	bucket   float64
	bucketAt time.Time
}

// tokenRef is what a token string stands for.
type tokenRef struct {
	g       *grant
	refresh bool
}

// authCode is an authorization code waiting for its exchange.
type authCode struct {
	clientID  string
	accountID int64
	// redirectURI is the one the code was sent to; explicit says whether
	// the authorize request named it (then the token request must too).
	redirectURI string
	explicit    bool
	challenge   string
	method      string
	expires     time.Time
	used        bool
	// minted is the grant its exchange created, revoked if the code is
	// presented again (RFC 6749 §4.1.2).
	minted *grant
}

// codeTTL is how long a code may wait for its exchange.
const codeTTL = 10 * time.Minute

// TokenResponse is the token endpoint's answer (pos-apis.md §1.1), with
// Ubiregi's extensions refresh_token_expires_in and account_id.
type TokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	AccountID             int64  `json:"account_id"`
}

// newSecret is an unguessable token, code or session id.
func newSecret() string { return rand.Text() + rand.Text() }

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// mintLocked creates a grant with a fresh token pair.
func (s *Server) mintLocked(clientID string, accountID int64, now time.Time) *grant {
	s.pruneLocked(now)
	s.nextGrant++
	g := &grant{id: s.nextGrant, clientID: clientID, accountID: accountID, bucket: float64(s.rate.Burst), bucketAt: now}
	s.grants[g.id] = g
	s.rotateLocked(g, now)
	return g
}

// rotateLocked gives the grant a new token pair; the old pair stops working.
func (s *Server) rotateLocked(g *grant, now time.Time) {
	delete(s.tokens, g.access)
	delete(s.tokens, g.refresh)
	g.access, g.refresh = newSecret(), newSecret()
	g.accessExp, g.refreshExp = now.Add(s.cfg.AccessTTL), now.Add(s.cfg.RefreshTTL)
	s.tokens[g.access] = tokenRef{g: g}
	s.tokens[g.refresh] = tokenRef{g: g, refresh: true}
}

// revokeLocked ends the grant: neither of its tokens works any more.
func (s *Server) revokeLocked(g *grant) {
	if g == nil || g.revoked {
		return
	}
	g.revoked = true
	delete(s.tokens, g.access)
	delete(s.tokens, g.refresh)
	delete(s.grants, g.id)
}

func (s *Server) tokenResponse(g *grant, now time.Time) TokenResponse {
	return TokenResponse{
		AccessToken:           g.access,
		TokenType:             "bearer",
		ExpiresIn:             int64(g.accessExp.Sub(now) / time.Second),
		RefreshToken:          g.refresh,
		RefreshTokenExpiresIn: int64(g.refreshExp.Sub(now) / time.Second),
		AccountID:             g.accountID,
	}
}

// IssueToken mints a token pair for the account and client as if the
// account had gone through the consent page: benchmarks and load tests
// use it to hold thousands of tokens without driving a browser.
func (s *Server) IssueToken(clientID string, accountID int64) (TokenResponse, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[clientID]; !ok {
		return TokenResponse{}, fmt.Errorf("issue token: client %q: %w", clientID, ErrNotFound)
	}
	if s.accountLocked(accountID) == nil {
		return TokenResponse{}, fmt.Errorf("issue token: account %d: %w", accountID, ErrNotFound)
	}
	return s.tokenResponse(s.mintLocked(clientID, accountID, now), now), nil
}

// RevokeToken ends the grant an access or refresh token belongs to, as
// when the user removes the app in アプリ設定: both tokens stop working.
func (s *Server) RevokeToken(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := s.tokens[token]
	if !ok {
		return fmt.Errorf("revoke: no such live token: %w", ErrNotFound)
	}
	s.revokeLocked(ref.g)
	s.log.Info("ubiregi sim: grant revoked", "account_id", ref.g.accountID, "client_id", ref.g.clientID)
	return nil
}

// RevokeAccount ends every grant of the account and forgets its consents
// and login sessions; it returns how many grants ended.
//
// ASSUMPTION: removing the access of every app of an account also drops
// the remembered consent, so the next authorization asks again.
func (s *Server) RevokeAccount(accountID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ended []*grant
	for _, g := range s.grants {
		if g.accountID == accountID {
			ended = append(ended, g)
		}
	}
	for _, g := range ended {
		s.revokeLocked(g)
	}
	for k := range s.consents {
		if k.accountID == accountID {
			delete(s.consents, k)
		}
	}
	for id, ss := range s.sessions {
		if ss.accountID == accountID {
			delete(s.sessions, id)
		}
	}
	s.log.Info("ubiregi sim: account's grants revoked", "account_id", accountID, "grants", len(ended))
	return len(ended)
}

// SetExpired marks the account's subscriptions expired (every API request
// for it answers 402) or valid again.
func (s *Server) SetExpired(accountID int64, expired bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accountLocked(accountID) == nil {
		return fmt.Errorf("expire: account %d: %w", accountID, ErrNotFound)
	}
	if expired {
		s.expired[accountID] = true
	} else {
		delete(s.expired, accountID)
	}
	s.log.Info("ubiregi sim: subscription set", "account_id", accountID, "expired", expired)
	return nil
}

// SetRateLimit changes the per-token rate limit (zero: none).
func (s *Server) SetRateLimit(r RateLimit) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = r
	for _, g := range s.grants {
		g.bucket, g.bucketAt = float64(r.Burst), s.clock.Now()
	}
	return nil
}

// SetSynthetic replaces the synthetic account range. Tokens of accounts
// that leave the range stop working.
func (s *Server) SetSynthetic(r Synthetic) error {
	r, err := r.normalized()
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Count > 0 {
		for id := range s.accounts {
			if id >= r.FirstID && id < r.FirstID+r.Count {
				return fmt.Errorf("synthetic range: holds the stored account %d: %w", id, ErrConflict)
			}
		}
	}
	s.synthetic = r
	s.log.Info("ubiregi sim: synthetic range set", "first_id", r.FirstID, "count", r.Count, "devices", r.Devices)
	return nil
}

// pruneLocked drops codes, sessions, pending authorizations and grants
// whose refresh token has expired, so a long run keeps a bounded state;
// it does the work on one call in 256.
func (s *Server) pruneLocked(now time.Time) {
	s.prunes++
	if s.prunes%256 != 0 {
		return
	}
	for k, c := range s.codes {
		// Used codes are kept an hour past expiry to catch a replay.
		if now.After(c.expires.Add(time.Hour)) {
			delete(s.codes, k)
		}
	}
	for k, p := range s.pending {
		if now.After(p.expires) {
			delete(s.pending, k)
		}
	}
	for k, ss := range s.sessions {
		if now.After(ss.expires) {
			delete(s.sessions, k)
		}
	}
	var dead []*grant
	for _, g := range s.grants {
		if now.After(g.refreshExp) {
			dead = append(dead, g)
		}
	}
	for _, g := range dead {
		s.revokeLocked(g)
	}
}
