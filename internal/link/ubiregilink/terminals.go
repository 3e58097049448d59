package ubiregilink

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// Account is a linked Ubiregi account as the settings page shows it.
type Account struct {
	Connection link.Connection
	// Terminals are the account's devices as Ubiregi lists them now; nil
	// when Err says why they could not be listed.
	Terminals []link.Terminal
	Err       error
	// Bindings are its terminals' cameras, kept by poslink: shown (and
	// deletable) even while Ubiregi cannot be asked.
	Bindings []link.Binding
}

// ReauthRequired reports whether the owner must consent again (要再認証).
func (a Account) ReauthRequired() bool {
	return a.Connection.Status == link.ReauthRequired || errors.Is(a.Err, ErrReauthRequired)
}

// Accounts lists the tenant's linked Ubiregi accounts with their terminals,
// asking Ubiregi for each account at once. An account Ubiregi cannot
// answer for carries its error; only a failure of poslink's own database
// fails the whole list.
func (s *Service) Accounts(ctx context.Context, tenantID int64) ([]Account, error) {
	conns, err := s.links.Connections(ctx, tenantID, link.Ubiregi)
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		out[i].Connection = c
		wg.Go(func() { out[i].Terminals, out[i].Err = s.terminals(ctx, c) })
	}
	wg.Wait()
	for i := range out {
		if out[i].Bindings, err = s.links.Bindings(ctx, tenantID, out[i].Connection.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Connection returns one of the tenant's Ubiregi connections; another
// tenant's, or another provider's, is not found.
func (s *Service) Connection(ctx context.Context, tenantID, connID int64) (link.Connection, error) {
	c, err := s.links.Connection(ctx, tenantID, connID)
	if err == nil && c.Provider != link.Ubiregi {
		err = link.ErrNotFound
	}
	return c, err
}

// Terminals lists the devices of a tenant's linked account, refreshing
// the grant first when it is due.
func (s *Service) Terminals(ctx context.Context, tenantID, connID int64) ([]link.Terminal, error) {
	c, err := s.Connection(ctx, tenantID, connID)
	if err != nil {
		return nil, err
	}
	return s.terminals(ctx, c)
}

func (s *Service) terminals(ctx context.Context, c link.Connection) ([]link.Terminal, error) {
	var acct ubiregi.Account
	err := s.withToken(ctx, c, func(ctx context.Context, token string) error {
		var err error
		acct, err = s.api.AccountCurrent(ctx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	ts := terminalsOf(acct)
	s.devices.put(c.TenantID, c.ID, ts)
	return ts, nil
}

func terminalsOf(a ubiregi.Account) []link.Terminal {
	ts := make([]link.Terminal, len(a.Devices))
	for i, d := range a.Devices {
		ts[i] = link.Terminal{Key: d.GUID, Name: d.Name}
	}
	return ts
}

// terminal finds a device of the account by its GUID: in the device list
// read moments ago for the page, else (or when it is not there, as a
// device added since) from Ubiregi.
func (s *Service) terminal(ctx context.Context, c link.Connection, key string) (link.Terminal, error) {
	if ts, ok := s.devices.get(c.TenantID, c.ID); ok {
		if t, ok := find(ts, key); ok {
			return t, nil
		}
	}
	ts, err := s.terminals(ctx, c)
	if err != nil {
		return link.Terminal{}, err
	}
	if t, ok := find(ts, key); ok {
		return t, nil
	}
	return link.Terminal{}, ErrTerminalUnknown
}

func find(ts []link.Terminal, key string) (link.Terminal, bool) {
	for _, t := range ts {
		if t.Key == key {
			return t, true
		}
	}
	return link.Terminal{}, false
}

// Bind makes a terminal of the tenant's linked account feed the camera
// (更新): the terminal must be one of the account's devices, the camera the
// tenant's with its POS option usable today, and the terminal's binding
// still the one the page showed, seen (link.Store.Bind: link.ErrChanged
// otherwise). It returns the terminal.
func (s *Service) Bind(ctx context.Context, actor audit.Actor, tenantID, connID int64, terminalKey string, cameraID, seen int64) (link.Terminal, error) {
	terminalKey = strings.TrimSpace(terminalKey)
	switch {
	case terminalKey == "":
		return link.Terminal{}, ErrTerminalRequired
	case cameraID <= 0:
		return link.Terminal{}, ErrCameraRequired
	}
	if err := link.CheckTerminalKey(terminalKey); err != nil {
		return link.Terminal{}, err
	}
	c, err := s.Connection(ctx, tenantID, connID)
	if err != nil {
		return link.Terminal{}, err
	}
	if c.Status == link.ReauthRequired {
		// The page offers no 更新 then: which devices the account has is
		// known again only once the owner consents again.
		return link.Terminal{}, ErrReauthRequired
	}
	t, err := s.terminal(ctx, c, terminalKey)
	if err != nil {
		return link.Terminal{}, err
	}
	if err := s.links.Bind(ctx, actor, tenantID, connID, t, cameraID, seen); err != nil {
		return link.Terminal{}, err
	}
	return t, nil
}

// Unbind deletes the links of the chosen terminals to their cameras (the
// manuals' delete: the link only; the account stays linked): the bindings
// the confirmation showed, all of them or, when one changed since, none
// (link.Store.Unbind). It returns how many there were.
func (s *Service) Unbind(ctx context.Context, actor audit.Actor, tenantID, connID int64, bindingIDs []int64) (int, error) {
	if len(bindingIDs) == 0 {
		return 0, ErrTerminalRequired
	}
	if _, err := s.Connection(ctx, tenantID, connID); err != nil {
		return 0, err
	}
	n, err := s.links.Unbind(ctx, actor, tenantID, connID, bindingIDs)
	if errors.Is(err, link.ErrNotFound) {
		// The account is the tenant's: it is the bindings that are not.
		err = ErrNothingToUnbind
	}
	return n, err
}

// Delete unlinks the account: its stored grant and its terminals' links
// go; the cameras and the camera service stay. seen are the bindings the
// confirmation showed (link.ErrChanged when they changed since).
func (s *Service) Delete(ctx context.Context, actor audit.Actor, tenantID, connID int64, seen []int64) error {
	if _, err := s.Connection(ctx, tenantID, connID); err != nil {
		return err
	}
	if err := s.links.Delete(ctx, actor, tenantID, connID, seen); err != nil {
		return err
	}
	s.devices.drop(connID)
	return nil
}
