package smaregilink

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
)

// TerminalRow is a register of a linked contract and the camera it feeds.
type TerminalRow struct {
	StoreID, StoreName       string
	TerminalID, TerminalName string
	// CameraID is the camera the register feeds, 0 when none; BindingID
	// the binding that says so (link.NotBound when none), the version a
	// change of the row carries.
	CameraID, BindingID int64
	// Listed: Smaregi listed it now; false for a register known only from
	// its binding (the old API cannot list registers, or Smaregi no longer
	// has it).
	Listed bool
	// Stopped: Smaregi marks the register 利用しない.
	Stopped bool
}

// Key is the row's terminal key in bindings.
func (r TerminalRow) Key() string { return TerminalKey(r.StoreID, r.TerminalID) }

// Source says where a terminal list came from.
type Source string

// The sources of a terminal list.
const (
	SourceAPI      Source = "api"      // the Platform API's stores and registers
	SourceLegacy   Source = "legacy"   // the old API's stores; registers from bindings
	SourceBindings Source = "bindings" // the bindings only: Smaregi was not (or could not be) asked
)

// Terminals is what the terminal page shows of a link.
type Terminals struct {
	Conn   link.Connection
	Phase  Phase
	Source Source
	Rows   []TerminalRow
	// Stores are the contract's stores, for adding a register by its ID;
	// empty when Smaregi was not asked.
	Stores []smaregi.Store
	// Problem is why Smaregi could not list them (an *apperr.Error with the
	// owner's message); Rows then hold the bindings.
	Problem error
	// Refused: Smaregi refused the stored credentials or has no such
	// contract. That will not pass by itself: nothing can be bound, and the
	// poller stops polling the link, until 連携情報修正 saves credentials
	// that Smaregi accepts.
	Refused bool
}

// Terminals lists the link's registers with the camera each feeds: from
// the Platform API for a link on client credentials; from its bindings,
// with the old API's store names, for one on the old token before the
// cut-over; from its bindings alone once it is 要更新. A failure to reach
// Smaregi is not an error: it is in Problem, and the bindings are listed.
// It writes nothing: the rows show the names Smaregi reports now, and the
// background job (RefreshNames) stores them on the bindings; an old access
// token Smaregi refused shows the link 要更新, and that job stores the mark.
func (s *Service) Terminals(ctx context.Context, tenantID, connID int64) (Terminals, error) {
	c, err := s.connection(ctx, tenantID, connID)
	if err != nil {
		return Terminals{}, err
	}
	bindings, err := s.links.Bindings(ctx, tenantID, connID)
	if err != nil {
		return Terminals{}, err
	}
	out := Terminals{Conn: c, Phase: s.PhaseOf(c), Source: SourceBindings}
	stores, listed, source, askErr := s.ask(ctx, c, out.Phase)
	if askErr != nil {
		if out.Problem, err = s.problem(ctx, c, askErr); err != nil {
			return Terminals{}, err
		}
		if detail, ok := updateRequired(c, askErr); ok {
			out.Conn.Status, out.Conn.StatusDetail = link.UpdateRequired, detail
			out.Phase = s.PhaseOf(out.Conn)
		}
		out.Refused = needsOwner(askErr)
	} else {
		out.Stores, out.Source = stores, source
	}
	out.Rows = mergeRows(out.Stores, listed, bindings)
	return out, nil
}

// ask lists the contract's stores and registers as the link's phase
// allows: both from the Platform API, the stores alone from the old API,
// nothing once it is 要更新.
func (s *Service) ask(ctx context.Context, c link.Connection, phase Phase) ([]smaregi.Store, []smaregi.Terminal, Source, error) {
	if phase == PhaseUpdateRequired {
		return nil, nil, SourceBindings, nil
	}
	var cr credentials
	if _, err := s.links.Credentials(ctx, c.TenantID, c.ID, &cr); err != nil {
		return nil, nil, "", err
	}
	if phase == PhaseLegacy {
		stores, err := s.api.LegacyStores(ctx, c.ExternalID, cr.AccessToken)
		return stores, nil, SourceLegacy, err
	}
	var stores []smaregi.Store
	var terms []smaregi.Terminal
	err := s.withToken(ctx, c, cr, func(tok string) error {
		var err error
		if stores, err = s.api.Stores(ctx, c.ExternalID, tok); err != nil {
			return err
		}
		terms, err = s.api.Terminals(ctx, c.ExternalID, tok, "")
		return err
	})
	return stores, terms, SourceAPI, err
}

// problem turns a failed listing into the owner's message (which wraps
// Smaregi's error); an internal failure comes back as fatal instead.
func (s *Service) problem(ctx context.Context, c link.Connection, err error) (shown, fatal error) {
	shown = s.userError(ctx, c.ExternalID, err, storedCreds)
	if _, ok := apperr.As(shown); !ok {
		return nil, shown
	}
	return shown, nil
}

// needsOwner reports whether Smaregi refused a link's stored credentials or
// has no such contract: what will not pass until its owner acts, as the
// poller judges it too.
func needsOwner(err error) bool {
	c := pos.ClassOf(err)
	return c == pos.CredentialsRefused || c == pos.NotFound
}

// mergeRows lists Smaregi's registers, then those known only from
// bindings, by store and terminal ID.
func mergeRows(stores []smaregi.Store, listed []smaregi.Terminal, bindings []link.Binding) []TerminalRow {
	storeNames := map[string]string{}
	for _, st := range stores {
		storeNames[st.ID] = st.Name
	}
	bound := map[string]link.Binding{}
	for _, b := range bindings {
		bound[b.Terminal.Key] = b
	}
	var rows []TerminalRow
	seen := map[string]bool{}
	for _, t := range listed {
		r := TerminalRow{StoreID: t.StoreID, StoreName: storeNames[t.StoreID], TerminalID: t.ID, TerminalName: t.Name,
			Listed: true, Stopped: t.UseStopDivision == "1"}
		if b, ok := bound[r.Key()]; ok {
			r.CameraID, r.BindingID = b.CameraID, b.ID
		}
		seen[r.Key()] = true
		rows = append(rows, r)
	}
	for _, b := range bindings {
		if seen[b.Terminal.Key] {
			continue
		}
		st, term, ok := SplitKey(b.Terminal.Key)
		if !ok {
			continue // not a Smaregi key; nothing of ours writes one
		}
		r := TerminalRow{StoreID: st, StoreName: b.Terminal.Store, TerminalID: term, TerminalName: b.Terminal.Name, CameraID: b.CameraID, BindingID: b.ID}
		if name, ok := storeNames[st]; ok {
			r.StoreName = name
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b TerminalRow) int {
		return cmp.Or(cmp.Compare(num(a.StoreID), num(b.StoreID)), cmp.Compare(num(a.TerminalID), num(b.TerminalID)))
	})
	return rows
}

func num(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}
