package smaregilink

import (
	"context"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// BindInput is a register (its store and 端末ID, picked from the list or
// typed) and the camera it is to feed.
type BindInput struct {
	StoreID    string
	TerminalID string
	CameraID   int64
	// Seen is the version of the register the page showed: the ID of its
	// binding then, or link.NotBound (a register added by its ID).
	Seen int64
}

// Bind makes a register of the link's contract feed a camera (追加, or 更新
// of a row's camera). The register is checked with Smaregi first: on
// client credentials it must be in the contract's register list (asked
// afresh, so a register typed by its ID that the page did not list is
// found if Smaregi has it); on the old token before the cut-over, whose API
// lists no registers, its store must exist. The camera must be the tenant's
// and usable, and the register's binding still the one the page showed
// (link.Store.Bind: link.ErrChanged otherwise). A link that is 要更新 must
// be updated first. Nothing is saved on any error.
func (s *Service) Bind(ctx context.Context, actor audit.Actor, tenantID, connID int64, in BindInput) (TerminalRow, error) {
	c, err := s.connection(ctx, tenantID, connID)
	if err != nil {
		return TerminalRow{}, err
	}
	phase := s.PhaseOf(c)
	if phase == PhaseUpdateRequired {
		return TerminalRow{}, ErrUpdateFirst
	}
	var v apperr.Validation
	storeID, ok := parseID(in.StoreID)
	if !ok {
		v.Add(FieldStoreID, "smaregi.err.store_required")
	}
	terminalID, ok := parseID(in.TerminalID)
	if !ok {
		v.Add(FieldTerminalID, "smaregi.err.terminal_id_invalid")
	}
	if in.CameraID <= 0 {
		v.Add(FieldCameraID, "smaregi.err.camera_required")
	}
	if err := v.Err(); err != nil {
		return TerminalRow{}, err
	}
	var cr credentials
	if _, err := s.links.Credentials(ctx, tenantID, connID, &cr); err != nil {
		return TerminalRow{}, err
	}
	var row TerminalRow
	if phase == PhaseActive {
		row, err = s.findTerminal(ctx, c, cr, storeID, terminalID)
	} else {
		row, err = s.findLegacyStore(ctx, c, cr, storeID, terminalID)
	}
	if err != nil {
		return TerminalRow{}, err
	}
	t := link.Terminal{Key: row.Key(), Name: row.TerminalName, Store: row.StoreName}
	if err := s.links.Bind(ctx, actor, tenantID, connID, t, in.CameraID, in.Seen); err != nil {
		return TerminalRow{}, err
	}
	row.CameraID = in.CameraID
	return row, nil
}

// findTerminal asks the Platform API for the store and its registers.
func (s *Service) findTerminal(ctx context.Context, c link.Connection, cr credentials, storeID, terminalID string) (TerminalRow, error) {
	var stores []smaregi.Store
	var terms []smaregi.Terminal
	err := s.withToken(ctx, c, cr, func(tok string) error {
		var err error
		if stores, err = s.api.Stores(ctx, c.ExternalID, tok); err != nil {
			return err
		}
		terms, err = s.api.Terminals(ctx, c.ExternalID, tok, storeID)
		return err
	})
	if err != nil {
		return TerminalRow{}, s.userError(ctx, c.ExternalID, err, storedCreds)
	}
	store, ok := findStore(stores, storeID)
	if !ok {
		return TerminalRow{}, storeNotFound(storeID)
	}
	for _, t := range terms {
		if t.StoreID == storeID && t.ID == terminalID {
			return TerminalRow{StoreID: storeID, StoreName: store.Name, TerminalID: t.ID, TerminalName: t.Name,
				Listed: true, Stopped: t.UseStopDivision == "1"}, nil
		}
	}
	return TerminalRow{}, &apperr.Error{Kind: apperr.Invalid, Key: "smaregi.err.terminal_not_found",
		Args: []any{terminalID, store.Name}, Fields: map[string]string{FieldTerminalID: "smaregi.err.check_field"}}
}

// findLegacyStore checks the store with the old API; the register's name
// is what its binding knew, if any.
func (s *Service) findLegacyStore(ctx context.Context, c link.Connection, cr credentials, storeID, terminalID string) (TerminalRow, error) {
	stores, err := s.api.LegacyStores(ctx, c.ExternalID, cr.AccessToken)
	if err != nil {
		return TerminalRow{}, s.userError(ctx, c.ExternalID, err, storedCreds)
	}
	store, ok := findStore(stores, storeID)
	if !ok {
		return TerminalRow{}, storeNotFound(storeID)
	}
	row := TerminalRow{StoreID: storeID, StoreName: store.Name, TerminalID: terminalID}
	bindings, err := s.links.Bindings(ctx, c.TenantID, c.ID)
	if err != nil {
		return TerminalRow{}, err
	}
	for _, b := range bindings {
		if b.Terminal.Key == row.Key() {
			row.TerminalName = b.Terminal.Name
		}
	}
	return row, nil
}

func findStore(stores []smaregi.Store, id string) (smaregi.Store, bool) {
	for _, st := range stores {
		if st.ID == id {
			return st, true
		}
	}
	return smaregi.Store{}, false
}

func storeNotFound(storeID string) error {
	return &apperr.Error{Kind: apperr.Invalid, Key: "smaregi.err.store_not_found", Args: []any{storeID},
		Fields: map[string]string{FieldStoreID: "smaregi.err.check_field"}}
}

// Unbind ends the bindings of the ticked registers (the manuals' delete:
// the link of those registers only; the contract stays linked): the
// bindings the confirmation showed, all of them or, when one changed
// since, none (link.Store.Unbind).
func (s *Service) Unbind(ctx context.Context, actor audit.Actor, tenantID, connID int64, bindingIDs []int64) (int, error) {
	if _, err := s.connection(ctx, tenantID, connID); err != nil {
		return 0, err
	}
	if len(bindingIDs) == 0 {
		return 0, apperr.New(apperr.Invalid, "smaregi.err.select_rows")
	}
	return s.links.Unbind(ctx, actor, tenantID, connID, bindingIDs)
}

// Link is a linked contract with its phase and bindings, as the list shows it.
type Link struct {
	Conn     link.Connection
	Phase    Phase
	Bindings []link.Binding
}

// Links lists the tenant's Smaregi links, each with its phase now. It
// writes nothing: a link past the cut-over shows 要更新 by the clock, and
// the background job stores the mark.
func (s *Service) Links(ctx context.Context, tenantID int64) ([]Link, error) {
	conns, err := s.links.Connections(ctx, tenantID, link.Smaregi)
	if err != nil {
		return nil, err
	}
	out := make([]Link, 0, len(conns))
	for _, c := range conns {
		b, err := s.links.Bindings(ctx, tenantID, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Link{Conn: c, Phase: s.PhaseOf(c), Bindings: b})
	}
	return out, nil
}

// Link is one of the tenant's Smaregi links; like Links, it writes nothing.
func (s *Service) Link(ctx context.Context, tenantID, connID int64) (Link, error) {
	c, err := s.connection(ctx, tenantID, connID)
	if err != nil {
		return Link{}, err
	}
	b, err := s.links.Bindings(ctx, tenantID, connID)
	if err != nil {
		return Link{}, err
	}
	return Link{Conn: c, Phase: s.PhaseOf(c), Bindings: b}, nil
}
