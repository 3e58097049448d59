package portal

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/web/views"
)

// linksOverview is the owner's POSレジ連携一覧: every link of the tenant,
// each row leading to its provider's page.
func (s *Server) linksOverview(w http.ResponseWriter, r *http.Request) {
	rows, _, err := s.linkRows(r, currentUser(r.Context()).TenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.LinksPage(s.page(r, "links.title"), views.LinksOverview{Rows: rows}))
}

// linkRows are the rows of the tenant's links overview, from poslink's
// own records (no provider is asked, so the page answers however the
// providers do): a row per bound terminal, and one for an account with
// none, with the polling state of its link and its newest sale. It also
// returns the links read.
func (s *Server) linkRows(r *http.Request, tenantID int64) ([]views.LinkRow, []link.Linked, error) {
	ctx := r.Context()
	linked, err := s.deps.Links.Overview(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	labels, err := s.cameraLabelsOf(r, tenantID)
	if err != nil {
		return nil, nil, err
	}
	polls, err := s.pollStatuses(r, tenantID)
	if err != nil {
		return nil, nil, err
	}
	var lastSales map[poller.TerminalRef]time.Time
	if s.deps.PollStatus != nil {
		if lastSales, err = s.deps.PollStatus.LastSales(ctx, tenantID); err != nil {
			return nil, nil, err
		}
	}
	lang := langOf(ctx)
	var rows []views.LinkRow
	for _, l := range linked {
		c := l.Conn
		st, ok := polls[c.ID]
		base := views.LinkRow{ConnID: c.ID, Provider: string(c.Provider), ProviderLabel: text(r, "links.provider."+string(c.Provider)),
			Account: c.ExternalID, AccountName: cmp.Or(c.Name, c.Memo), Poll: s.pollStatusView(r, st, ok)}
		if c.Provider == link.Smaregi {
			base.FixURL = views.SmaregiURL(c.ID, "")
		} else {
			base.FixURL = views.UbiregiAccountURL(c.ID)
		}
		if len(l.Bindings) == 0 {
			rows = append(rows, base)
			continue
		}
		bindings := slices.Clone(l.Bindings)
		if c.Provider == link.Smaregi {
			slices.SortFunc(bindings, func(a, b link.Binding) int { return smaregilink.CompareKeys(a.Terminal.Key, b.Terminal.Key) })
		}
		for _, b := range bindings {
			row := base
			row.BindingID, row.CameraID, row.Camera = b.ID, b.CameraID, labels[b.CameraID]
			row.TerminalID, row.TerminalName, row.Store = b.Terminal.Key, b.Terminal.Name, b.Terminal.Store
			if c.Provider == link.Smaregi {
				_, row.TerminalID, _ = smaregilink.SplitKey(b.Terminal.Key)
				row.Store = smaregiStoreName(lang, b.Terminal.Key, b.Terminal.Store)
			}
			row.Gone = !b.GoneAt.IsZero()
			if at, ok := lastSales[poller.TerminalRef{ConnID: c.ID, Key: b.Terminal.Key}]; ok {
				row.LastSale = s.timeText(r, at)
			}
			rows = append(rows, row)
		}
	}
	return rows, linked, nil
}

// errSeenInvalid refuses a change whose form does not say what its page
// showed (a page from before versions, or a hand-made form).
var errSeenInvalid = apperr.New(apperr.Invalid, "err.link_seen_invalid")

// seenBinding reads the version a row's change carries: the ID of the
// binding its page showed, link.NotBound (0) for none.
func seenBinding(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PostForm.Get("binding"), 10, 64)
	if err != nil || id < link.NotBound {
		return 0, errSeenInvalid
	}
	return id, nil
}

// seenBindings reads the bindings a delete's confirmation showed, one
// binding=… each; at most link.MaxUnbind.
func seenBindings(r *http.Request) ([]int64, error) {
	vals := r.PostForm["binding"]
	if len(vals) > link.MaxUnbind {
		return nil, link.ErrTooManyTerminals
	}
	ids := make([]int64, len(vals))
	for i, v := range vals {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, errSeenInvalid
		}
		ids[i] = id
	}
	return ids, nil
}
