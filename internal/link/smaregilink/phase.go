package smaregilink

import (
	"context"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// Phase is where a Smaregi link stands.
type Phase string

// The phases of a link.
const (
	// PhaseActive: on client credentials, working.
	PhaseActive Phase = "active"
	// PhaseLegacy: on the old access token before the cut-over; it still
	// works through the old API, and its owner is asked to update it.
	PhaseLegacy Phase = "legacy"
	// PhaseUpdateRequired (要更新): on the old access token from the
	// cut-over on, or Smaregi refused that token; not polled until
	// 連携情報修正 moves it to client credentials. Client credentials that
	// Smaregi refuses are no 要更新: the link stays active, and the poller
	// stops polling it (エラー, with the reason) until new ones are saved.
	PhaseUpdateRequired Phase = "update_required"
)

// systemActor marks the changes the service makes on its own.
var systemActor = audit.Actor{Label: "system:smaregi"}

// pastCutover reports whether the old API has stopped.
func (s *Service) pastCutover() bool { return !s.cfg.Now().Before(s.cfg.LegacyCutover) }

// PhaseOf is the link's phase now. The clock decides for links on the old
// token, whatever their stored status says, so that the cut-over takes
// effect at its moment even before anything marked them.
func (s *Service) PhaseOf(c link.Connection) Phase {
	switch {
	case c.Status != link.Active:
		return PhaseUpdateRequired
	case c.AuthKind == link.LegacyToken && s.pastCutover():
		return PhaseUpdateRequired
	case c.AuthKind == link.LegacyToken:
		return PhaseLegacy
	default:
		return PhaseActive
	}
}

// Pollable reports whether the poller should fetch the link's transactions:
// a Smaregi link that works, on client credentials or on the old token
// until the cut-over.
func (s *Service) Pollable(c link.Connection) bool {
	return c.Provider == link.Smaregi && s.PhaseOf(c) != PhaseUpdateRequired
}

// legacyRetiredDetail is the status detail of links marked at the cut-over,
// for support staff.
const legacyRetiredDetail = "legacy Smaregi API retired: update to client ID and secret (連携情報修正)"

// updateRequired says whether err, a failed call for a link on the old
// access token, means the link must move to client credentials (要更新):
// the old API no longer serves, or refused the token. detail says so for
// support staff. Every other refusal — of client credentials above all —
// leaves the link as it is: it will work again once its owner saves
// credentials Smaregi accepts, and meanwhile the poller does not poll it.
func updateRequired(c link.Connection, err error) (detail string, ok bool) {
	switch {
	case c.AuthKind != link.LegacyToken:
		return "", false
	case pos.HasReason(err, smaregi.ReasonLegacyRetired):
		return legacyRetiredDetail, true
	case pos.HasReason(err, smaregi.ReasonLegacyToken):
		return "Smaregi refused the stored access token: " + err.Error(), true
	}
	return "", false
}

// MarkRetiredLegacyLinks marks every link still on the old token 要更新,
// across tenants, once the cut-over has passed, so that support staff and
// the poller see it stored; for a periodic job. Pages do not mark: they
// derive the phase from the clock (PhaseOf), and a GET writes nothing. It
// returns how many it marked.
func (s *Service) MarkRetiredLegacyLinks(ctx context.Context) (int, error) {
	if !s.pastCutover() {
		return 0, nil
	}
	return s.links.MarkSmaregiLegacyUpdateRequired(ctx, systemActor, legacyRetiredDetail)
}
