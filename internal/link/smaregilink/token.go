package smaregilink

import (
	"context"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// cachedToken is an app token of a connection's credentials at a version.
// Smaregi counts token requests against the contract's rate limit, so a
// token is reused until shortly before it expires (pos-apis §2.2).
type cachedToken struct {
	version int
	token   string
	expires time.Time
}

// tokenMargin is how long before its expiry a token is no longer used.
const tokenMargin = time.Minute

// maxCachedTokens bounds the cache; expired entries are swept beyond it.
const maxCachedTokens = 1024

func (s *Service) cachedToken(c link.Connection) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[c.ID]
	if !ok || t.version != c.CredentialsVersion || !s.cfg.Now().Before(t.expires) {
		return "", false
	}
	return t.token, true
}

func (s *Service) keepToken(c link.Connection, t smaregi.Token) {
	life := t.ExpiresIn
	if life <= 0 {
		life = 10 * time.Minute // Smaregi gave none: keep it briefly
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tokens) >= maxCachedTokens {
		for id, ct := range s.tokens {
			if !now.Before(ct.expires) {
				delete(s.tokens, id)
			}
		}
	}
	s.tokens[c.ID] = cachedToken{version: c.CredentialsVersion, token: t.AccessToken, expires: now.Add(life - tokenMargin)}
}

func (s *Service) forgetToken(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, id)
}

// withToken calls fn with an app token of the connection, getting a new
// token once when Smaregi refuses a cached one (expired early, revoked).
func (s *Service) withToken(ctx context.Context, c link.Connection, cr credentials, fn func(token string) error) error {
	if tok, ok := s.cachedToken(c); ok {
		err := fn(tok)
		if pos.ClassOf(err) != pos.TokenRefused {
			return err
		}
		s.forgetToken(c.ID)
	}
	t, err := s.api.AppToken(ctx, smaregi.Credentials{ContractID: c.ExternalID, ClientID: cr.ClientID,
		ClientSecret: cr.ClientSecret}, smaregi.Scopes...)
	if err != nil {
		return err
	}
	s.keepToken(c, t)
	return fn(t.AccessToken)
}
