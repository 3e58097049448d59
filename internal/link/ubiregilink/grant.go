package ubiregilink

import (
	"context"
	"errors"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// credentials are a connection's sealed grant. Expiries are instants on
// the service's clock, computed from the lifetimes Ubiregi gave.
type credentials struct {
	AccessToken   string    `json:"access_token"`
	RefreshToken  string    `json:"refresh_token"`
	Expiry        time.Time `json:"expiry"`
	RefreshExpiry time.Time `json:"refresh_expiry,omitzero"`
}

const (
	// refreshMargin is how long before its expiry an access token is
	// refreshed: longer than the background refresher's period (5 min),
	// so a token in use never expires.
	refreshMargin = 30 * time.Minute
	// unknownLifetime is assumed for an access token that came without
	// expires_in: short, so that a wrong guess costs a refresh, not an
	// outage.
	unknownLifetime = time.Hour
	// refreshTimeout bounds a refresh and the saving of its rotated
	// tokens, which go on even if the page that needed them is closed.
	refreshTimeout = 30 * time.Second
)

func newCredentials(t ubiregi.Token, now time.Time) credentials {
	life := t.ExpiresIn
	if life <= 0 {
		life = unknownLifetime
	}
	c := credentials{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: now.Add(life)}
	if t.RefreshExpiresIn > 0 {
		c.RefreshExpiry = now.Add(t.RefreshExpiresIn)
	}
	return c
}

// due reports whether a token expiring at expiry should be refreshed now.
func (s *Service) due(expiry time.Time) bool {
	return !s.now().Add(refreshMargin).Before(expiry)
}

// withToken calls call with a working access token of the connection,
// refreshing it first when it is due, and once more if Ubiregi refuses it
// before its time (revoked, or Ubiregi's clock ahead of ours).
func (s *Service) withToken(ctx context.Context, c link.Connection, call func(ctx context.Context, token string) error) error {
	if c.Status == link.ReauthRequired {
		return ErrReauthRequired
	}
	var cr credentials
	if _, err := s.links.Credentials(ctx, c.TenantID, c.ID, &cr); err != nil {
		return err
	}
	token := cr.AccessToken
	if s.due(cr.Expiry) {
		var err error
		if token, err = s.refresh(ctx, c.TenantID, c.ID, "", true); err != nil {
			return err
		}
	}
	err := call(ctx, token)
	var te *ubiregi.TokenError
	if !errors.As(err, &te) {
		return apiError(err)
	}
	if token, err = s.refresh(ctx, c.TenantID, c.ID, token, true); err != nil {
		return err
	}
	if err = call(ctx, token); errors.As(err, &te) {
		// Refused right after a refresh: only a new consent can help.
		if err := s.links.SetStatus(ctx, systemActor, c.TenantID, c.ID, link.ReauthRequired, "new access token refused"); err != nil {
			return err
		}
		return ErrReauthRequired
	}
	return apiError(err)
}

// refresh rotates the connection's token pair under its row lock and
// returns the access token to use. stale is a token Ubiregi refused: it is
// refreshed even if not due. When another instance refreshed while this
// one waited for the lock, its token is used and Ubiregi is not called.
// A refused refresh marks the connection 要再認証.
func (s *Service) refresh(ctx context.Context, tenantID, connID int64, stale string, wait bool) (string, error) {
	// Detached from the caller: Ubiregi has invalidated the old pair by the
	// time it answers, so the new one must be saved even if the page that
	// asked for it is gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	var (
		cr      credentials
		token   string
		refused bool
	)
	err := s.links.RefreshLocked(ctx, systemActor, tenantID, connID, &cr, wait, func(c link.Connection) (link.Refreshed, error) {
		if c.Status == link.ReauthRequired {
			refused = true
			return link.Refreshed{}, nil
		}
		if !s.due(cr.Expiry) && cr.AccessToken != stale {
			token = cr.AccessToken
			return link.Refreshed{}, nil
		}
		tok, err := s.api.Refresh(ctx, cr.RefreshToken)
		var ge *ubiregi.GrantError
		if errors.As(err, &ge) && ge.Code == "invalid_grant" {
			refused = true
			s.log.InfoContext(ctx, "ubiregi refused the refresh token; re-authorization required",
				"tenant_id", tenantID, "connection_id", connID)
			return link.Refreshed{Reauth: "refresh refused by Ubiregi: invalid_grant"}, nil
		}
		if err != nil {
			return link.Refreshed{}, err
		}
		next := newCredentials(tok, s.now())
		token = next.AccessToken
		return link.Refreshed{Credentials: next, AccessExpiresAt: next.Expiry}, nil
	})
	switch {
	case err != nil:
		return "", apiError(err)
	case refused:
		return "", ErrReauthRequired
	}
	return token, nil
}
