package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/live"
	"github.com/poslink/poslink/internal/stills"
	"github.com/poslink/poslink/web/views"
)

// dashModel is the page's frame: the filters and ranges, whatever the
// list holds.
func (s *Server) dashModel(r *http.Request, v dashView, d dashRequest) views.DashboardView {
	lang := langOf(r.Context())
	path := views.DashboardURL(v.base)
	view := views.DashboardView{Camera: s.cameraRow(v.camera), Staff: v.staff, Path: path, Filter: views.Form{Values: d.values},
		Back: "/cameras", LiveURL: views.LivePictureURL(v.base)}
	if v.staff {
		view.Back = views.SupportCameraURL(v.tenantID, v.camera.ID)
	}
	view.Kinds = append(view.Kinds, views.DashLink{Label: i18n.T(lang, "dash.kind.all"),
		URL: d.url(path, []string{dashKind}), Current: d.values[dashKind] == ""})
	for _, k := range dashboard.Kinds {
		view.Kinds = append(view.Kinds, views.DashLink{Label: i18n.T(lang, "dash.kind."+string(k)),
			URL: d.url(path, nil, dashKind, string(k)), Current: d.values[dashKind] == string(k)})
	}
	for _, rg := range dashRanges {
		view.Ranges = append(view.Ranges, views.DashLink{Label: i18n.T(lang, "dash.range."+rg.name), Value: rg.name,
			URL: d.url(path, nil, dashRange, rg.name), Current: d.rangeName == rg.name})
	}
	if !v.staff {
		view.CSV = d.url(path+".csv", nil)
		// The stream begins after the newest transaction stored as the page
		// is read: a row committed meanwhile comes on it, none listed twice.
		// Should that read fail, the page is served without live arrival.
		if d.live() {
			if latest, err := live.Latest(r.Context(), s.deps.Reads); err == nil {
				view.LiveSrc, view.StillBase = views.CameraEventsURL(v.camera.ID)+"?after="+strconv.FormatInt(latest, 10), v.base
			}
		}
	}
	return view
}

// dashRead is what the dashboard read for a page: the list, the
// timeline's marks, the camera's coverage and the list's still states.
type dashRead struct {
	page   dashboard.Page
	marks  []dashboard.Mark
	cov    dashboard.Coverage
	stills map[int64]stills.State
}

// fillDashModel puts what was read into the page.
func (s *Server) fillDashModel(r *http.Request, view *views.DashboardView, v dashView, d dashRequest, read dashRead) {
	page, marks, cov := read.page, read.marks, read.cov
	lang := langOf(r.Context())
	loc := s.cfg.Location
	path := views.DashboardURL(v.base)
	view.RangeText = i18n.T(lang, "dash.range_text", dashTime(lang, d.from.In(loc)), dashTime(lang, d.to.In(loc)))
	view.AxisFrom, view.AxisTo = dashTime(lang, d.from.In(loc)), dashTime(lang, d.to.In(loc))
	span := d.to.Sub(d.from)
	lanes := map[dashboard.Kind]int{dashboard.Payment: 0, dashboard.Cancel: 1, dashboard.Modify: 2, dashboard.Delete: 3}
	for _, m := range marks {
		x := int(1000 * m.Start.Sub(d.from) / span)
		wd := max(int(1000*m.End.Sub(m.Start)/span), 2)
		view.Timeline = append(view.Timeline, views.DashMark{X: x, Width: wd, Row: lanes[m.Kind], Kind: string(m.Kind),
			Title: i18n.T(lang, "dash.mark", dashTime(lang, m.At.In(loc)), i18n.T(lang, "dash.kind."+string(m.Kind)), m.Count),
			URL:   d.url(path, nil, dashAt, m.End.In(loc).Format(time.RFC3339))})
	}
	view.Strip = views.DashStrip{From: d.from.In(loc).Format(time.RFC3339), To: d.to.In(loc).Format(time.RFC3339),
		AtURL: d.url(path, nil)}
	_, view.Strip.Offset = d.to.In(loc).Zone()
	for _, t := range page.Items {
		row := dashRow(lang, v.base, t)
		if st := read.stills[t.ID]; st != "" {
			row.StillState = string(st)
			if st != stills.Ready {
				row.StillNote = i18n.T(lang, "dash.still."+string(st))
				row.StillAlt = row.StillNote
			}
		}
		row.AtURL = d.url(path, nil, dashAt, dashAtOf(t.SoldAt, d.to))
		row.AtLabel = i18n.T(lang, "dash.thumb_open", row.Time)
		view.Rows = append(view.Rows, row)
	}
	at := d.values[dashAt]
	switch {
	case at == "" && page.Prev == "":
		// The newest transactions: the camera as it is now.
		view.Picture = &views.DashPicture{URL: view.LiveURL, Live: true,
			Alt: i18n.T(lang, "dash.picture_live_alt", v.camera.Name), Caption: i18n.T(lang, "dash.picture_live")}
	case len(page.Items) > 0:
		row := view.Rows[0]
		view.Picture = &views.DashPicture{URL: row.StillURL, Alt: row.StillAlt,
			Caption: i18n.T(lang, "dash.picture_caption", dashFrameLabel(row))}
	}
	keep := func(cursor string) string {
		if cursor == "" {
			return ""
		}
		return d.url(path, nil, dashAt, at, dashCursor, cursor)
	}
	view.Older, view.Newer = keep(page.Next), keep(page.Prev)
	if page.Prev != "" || at != "" {
		view.Newest = d.url(path, nil)
	}
	view.States = dashStates(lang, v, d, page, cov)
}

// dashStates are the situations the page explains in words.
func dashStates(lang i18n.Lang, v dashView, d dashRequest, page dashboard.Page, cov dashboard.Coverage) []views.DashState {
	var out []views.DashState
	for _, l := range cov.Attention {
		st := views.DashState{Kind: "error", Text: i18n.T(lang, "dash.state.link", i18n.T(lang, l.State.Key())),
			LinkText: i18n.T(lang, "dash.state.link_fix")}
		switch {
		case v.staff:
			st.LinkURL = views.SupportLinksURL(v.tenantID)
		case l.Provider == "ubiregi":
			st.LinkURL = views.UbiregiAccountURL(l.ConnectionID)
		default:
			st.LinkURL = views.SmaregiLinkURL(l.ConnectionID)
		}
		out = append(out, st)
	}
	if !cov.BoundInRange {
		st := views.DashState{Kind: "info", Text: i18n.T(lang, "dash.state.unbound")}
		if !v.staff {
			st.LinkText, st.LinkURL = i18n.T(lang, "dash.state.unbound_fix"), "/links"
		}
		out = append(out, st)
	}
	if len(page.Items) == 0 {
		key := "dash.state.empty"
		if d.kind != "" || d.values[dashQ] != "" {
			key = "dash.state.empty_filtered"
		}
		out = append(out, views.DashState{Kind: "info", Text: i18n.T(lang, key)})
	}
	return out
}

// dashAtOf is the at= that lists a sale first: the list ends before at,
// so the end of the sale's second; none (the newest) when that is past
// the range's end.
func dashAtOf(soldAt, to time.Time) string {
	at := soldAt.Truncate(time.Second).Add(time.Second)
	if at.After(to) {
		return ""
	}
	return at.Format(time.RFC3339)
}

// dashFrameLabel names a transaction's moment in the picture's caption:
// its time, kind and register, as static/dashboard.js writes it from the
// row's cells.
func dashFrameLabel(row views.DashRow) string {
	return row.Time + " · " + row.KindLabel + " · " + row.Terminal
}

func dashRow(lang i18n.Lang, base string, t dashboard.Transaction) views.DashRow {
	row := views.DashRow{ID: t.ID, Time: dashRegisterTime(lang, t.SoldAt), Kind: string(t.Kind),
		KindLabel: i18n.T(lang, "dash.kind."+string(t.Kind)),
		Total:     yen(t.Total), Deposit: yen(t.Deposit), Change: yen(t.Change),
		ReceiptNo: t.ReceiptNo, Terminal: t.TerminalName, Staff: t.Staff,
		StillURL: views.DashStillURL(base, t.ID), StillAlt: i18n.T(lang, "dash.still_alt", dashRegisterTime(lang, t.SoldAt))}
	if row.Terminal == "" {
		row.Terminal = t.TerminalKey
	}
	row.HasChanges = t.Kind == dashboard.Modify || t.Kind == dashboard.Delete || len(t.Revisions) > 0
	if row.HasChanges && len(t.Revisions) == 0 {
		row.NoRevisions = i18n.T(lang, "dash.rev.none")
	}
	for _, rv := range t.Revisions {
		title := i18n.T(lang, "dash.rev.title", rv.Number, rv.Number+1)
		if rv.Vanished {
			title = i18n.T(lang, "dash.rev.vanished", rv.Number)
		}
		dr := views.DashRevision{Title: title}
		for _, f := range rv.Changed {
			dr.Changes = append(dr.Changes, views.DashChange{Field: i18n.T(lang, "dash.field."+f),
				Before: dashField(lang, rv.Before, f), After: dashField(lang, rv.After, f)})
		}
		row.Revisions = append(row.Revisions, dr)
	}
	return row
}

// dashField is a version's field as the list shows it.
func dashField(lang i18n.Lang, v dashboard.Version, f string) string {
	switch f {
	case dashboard.FieldSoldAt:
		return dashRegisterTime(lang, v.SoldAt)
	case dashboard.FieldKind:
		return i18n.T(lang, "dash.kind."+string(v.Kind))
	case dashboard.FieldTotal:
		return yen(v.Total)
	case dashboard.FieldDeposit:
		return yen(v.Deposit)
	case dashboard.FieldChange:
		return yen(v.Change)
	case dashboard.FieldReceiptNo:
		return v.ReceiptNo
	case dashboard.FieldTerminal:
		return v.TerminalKey
	case dashboard.FieldStaff:
		return v.Staff
	case dashboard.FieldPaymentMethod:
		return v.PaymentMethod
	}
	return ""
}

// dashRegisterTime is a sale's time as its register showed it, with the
// register's zone (+09:00).
func dashRegisterTime(lang i18n.Lang, t time.Time) string {
	if lang == i18n.EN {
		return t.Format("2006-01-02 15:04:05 -07:00")
	}
	return t.Format("2006/01/02 15:04:05 -07:00")
}

// dashTime is an instant of the timeline in the operator's zone.
func dashTime(lang i18n.Lang, t time.Time) string {
	if lang == i18n.EN {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("2006/01/02 15:04")
}

// yen writes an amount with thousands separators: ¥1,200, -¥500.
func yen(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s¥%s", sign, groupThousands(n))
}
