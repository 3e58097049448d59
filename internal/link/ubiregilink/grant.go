package ubiregilink

import (
	"context"
	"errors"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
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
	// refreshLease is how long a refresher holds a grant: longer than
	// refreshTimeout, so that no other instance refreshes the grant while
	// the holder may still save; short enough that a crashed holder delays
	// the next refresh by under a minute.
	refreshLease = refreshTimeout + 15*time.Second
	// refreshPoll is how often a page waiting on another instance's
	// refresh looks for the token it saved.
	refreshPoll = 50 * time.Millisecond
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
	if pos.ClassOf(err) != pos.TokenRefused {
		return link.ProviderError(err, link.StoredCreds)
	}
	if token, err = s.refresh(ctx, c.TenantID, c.ID, token, true); err != nil {
		return err
	}
	if err = call(ctx, token); pos.ClassOf(err) == pos.TokenRefused {
		// Refused right after a refresh: only a new consent can help.
		if err := s.links.SetStatus(ctx, systemActor, c.TenantID, c.ID, link.ReauthRequired, "new access token refused"); err != nil {
			return err
		}
		return ErrReauthRequired
	}
	return link.ProviderError(err, link.StoredCreds)
}

// refresh returns an access token of the connection that is not due and
// is not stale (a token Ubiregi refused, refreshed even if not due),
// rotating the grant at Ubiregi when needed. Refreshes of a grant run one
// at a time across instances under a lease (link.ClaimRefresh); with
// wait, a refresh that finds another instance's lease waits for its token
// instead of calling Ubiregi, else it answers link.ErrRefreshBusy. A
// refused refresh marks the connection 要再認証.
func (s *Service) refresh(ctx context.Context, tenantID, connID int64, stale string, wait bool) (string, error) {
	for {
		var cr credentials
		claim, err := s.links.ClaimRefresh(ctx, tenantID, connID, refreshLease, &cr)
		if err != nil {
			return "", err
		}
		switch {
		case claim.Status == link.ReauthRequired:
			s.release(ctx, claim)
			return "", ErrReauthRequired
		case !s.due(cr.Expiry) && cr.AccessToken != stale:
			// Fresh: refreshed by another instance meanwhile, or never due.
			s.release(ctx, claim)
			return cr.AccessToken, nil
		case claim.Held():
			token, err := s.refreshHeld(ctx, claim, cr)
			if !errors.Is(err, link.ErrCredentialsRaced) {
				return token, err
			}
			// A new consent replaced the grant meanwhile: read it.
		case !wait:
			return "", link.ErrRefreshBusy
		default:
			t := time.NewTimer(refreshPoll)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return "", ctx.Err()
			}
		}
	}
}

// refreshHeld rotates the grant at Ubiregi under the claim's lease and
// saves the new pair, unless the credentials changed since the claim read
// them (link.ErrCredentialsRaced).
func (s *Service) refreshHeld(ctx context.Context, claim link.RefreshClaim, cr credentials) (string, error) {
	// Detached from the caller: Ubiregi has invalidated the old pair by the
	// time it answers, so the new one must be saved even if the page that
	// asked for it is gone. The bound is shorter than the lease, so the
	// lease outlives the call.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	tok, err := s.api.Refresh(ctx, cr.RefreshToken)
	if pos.HasReason(err, ubiregi.ReasonInvalidGrant) {
		s.log.InfoContext(ctx, "ubiregi refused the refresh token; re-authorization required",
			"tenant_id", claim.TenantID, "connection_id", claim.ID)
		if err := s.links.RefreshRefused(ctx, systemActor, claim, "refresh refused by Ubiregi: invalid_grant"); err != nil {
			return "", err
		}
		return "", ErrReauthRequired
	}
	if err != nil {
		s.release(ctx, claim)
		return "", link.ProviderError(err, link.StoredCreds)
	}
	next := newCredentials(tok, s.now())
	err = s.links.UpdateCredentials(ctx, claim.TenantID, claim.ID, claim.Version, next, next.Expiry)
	s.release(ctx, claim)
	if err != nil {
		return "", err
	}
	return next.AccessToken, nil
}

// release gives up the claim's lease. A failure is only logged: the lease
// runs out by itself.
func (s *Service) release(ctx context.Context, claim link.RefreshClaim) {
	if err := s.links.ReleaseRefresh(ctx, claim); err != nil {
		s.log.WarnContext(ctx, "release ubiregi refresh lease", "tenant_id", claim.TenantID, "connection_id", claim.ID, "err", err)
	}
}
