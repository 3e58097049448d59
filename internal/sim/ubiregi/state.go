package ubiregi

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// State is what the simulator remembers of its users' authorizations: live
// grants and given consents. The demo saves it on exit and restores it on
// start, so that a portal's stored grant still works after a restart, as it
// would with the real service.
type State struct {
	Grants   []GrantState   `json:"grants"`
	Consents []ConsentState `json:"consents"`
}

// GrantState is one live grant with its current token pair.
type GrantState struct {
	ClientID     string    `json:"client_id"`
	AccountID    int64     `json:"account_id"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	AccessExp    time.Time `json:"access_expires_at"`
	RefreshExp   time.Time `json:"refresh_expires_at"`
}

// ConsentState is an account's consent to a client, which lets the consent
// page skip its button.
type ConsentState struct {
	AccountID int64  `json:"account_id"`
	ClientID  string `json:"client_id"`
}

// SaveState returns the live grants and consents, in a stable order.
func (s *Server) SaveState() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st State
	for id := uint64(1); id <= s.nextGrant; id++ {
		g, ok := s.grants[id]
		if !ok || g.revoked {
			continue
		}
		st.Grants = append(st.Grants, GrantState{ClientID: g.clientID, AccountID: g.accountID,
			AccessToken: g.access, RefreshToken: g.refresh, AccessExp: g.accessExp, RefreshExp: g.refreshExp})
	}
	for k := range s.consents {
		st.Consents = append(st.Consents, ConsentState{AccountID: k.accountID, ClientID: k.clientID})
	}
	slices.SortFunc(st.Consents, func(a, b ConsentState) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), strings.Compare(a.ClientID, b.ClientID))
	})
	return st
}

// RestoreState brings back saved grants and consents; grants whose refresh
// token has expired by the clock, and ones of unknown clients, are dropped.
func (s *Server) RestoreState(st State) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, gs := range st.Grants {
		if _, ok := s.clients[gs.ClientID]; !ok || !now.Before(gs.RefreshExp) || gs.AccessToken == "" || gs.RefreshToken == "" {
			continue
		}
		s.nextGrant++
		g := &grant{id: s.nextGrant, clientID: gs.ClientID, accountID: gs.AccountID,
			access: gs.AccessToken, refresh: gs.RefreshToken, accessExp: gs.AccessExp, refreshExp: gs.RefreshExp,
			bucket: float64(s.rate.Burst), bucketAt: now}
		s.grants[g.id] = g
		s.tokens[g.access] = tokenRef{g: g}
		s.tokens[g.refresh] = tokenRef{g: g, refresh: true}
	}
	for _, c := range st.Consents {
		if _, ok := s.clients[c.ClientID]; ok {
			s.consents[consentKey{accountID: c.AccountID, clientID: c.ClientID}] = struct{}{}
		}
	}
}
