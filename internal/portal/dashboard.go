package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// The dashboard's query parameters. kind, q, date and range come from the
// filter form and links; at from the timeline's marks; cursor from the
// paging links.
const (
	dashKind   = "kind"
	dashQ      = "q"
	dashDate   = "date"
	dashRange  = "range"
	dashAt     = "at"
	dashCursor = "cursor"
)

// dashRanges are the timeline's ranges, in the order the page shows them;
// dashDefaultRange when none is asked.
var dashRanges = []struct {
	name string
	d    time.Duration
}{{"72h", 72 * time.Hour}, {"24h", 24 * time.Hour}, {"6h", 6 * time.Hour}, {"1h", time.Hour}, {"10m", 10 * time.Minute}}

const dashDefaultRange = "24h"

// dashView is whose dashboard is read, and where its pages are.
type dashView struct {
	tenantID int64
	camera   tenancy.Camera
	staff    bool
	// base is the camera's path: /cameras/{id} for its owner,
	// /support/tenants/{t}/cameras/{id} for staff.
	base string
}

// dashRequest is the dashboard's parameters as read, and what they select.
type dashRequest struct {
	values map[string]string
	// errs maps a refused parameter to the i18n key of its message.
	errs map[string]string
	// from, to is the timeline's range; listTo the list's end (at, or to).
	from, to, listTo time.Time
	rangeName        string
	kind             dashboard.Kind
}

// live says whether the page lists the newest transactions with nothing
// filtered, so that new ones belong at its top as they arrive.
func (d dashRequest) live() bool {
	if len(d.errs) > 0 {
		return false
	}
	for _, p := range []string{dashKind, dashQ, dashDate, dashAt, dashCursor} {
		if d.values[p] != "" {
			return false
		}
	}
	return true
}

// parseDashRequest reads the parameters; days are in loc, "now" is now.
func parseDashRequest(q url.Values, loc *time.Location, now time.Time) dashRequest {
	d := dashRequest{values: map[string]string{}, errs: map[string]string{}}
	for _, p := range []string{dashKind, dashQ, dashDate, dashRange, dashAt, dashCursor} {
		if v := strings.TrimSpace(q.Get(p)); v != "" {
			d.values[p] = v
		}
	}
	d.rangeName = dashDefaultRange
	if v := d.values[dashRange]; v != "" {
		d.rangeName = ""
		for _, r := range dashRanges {
			if r.name == v {
				d.rangeName = v
			}
		}
		if d.rangeName == "" {
			d.errs[dashRange] = "dash.err.range"
			d.rangeName = dashDefaultRange
		}
	}
	d.to = now
	if v := d.values[dashDate]; v != "" {
		day, err := time.ParseInLocation(time.DateOnly, v, loc)
		switch {
		case err != nil:
			d.errs[dashDate] = "dash.err.date"
		case day.After(now):
			d.errs[dashDate] = "dash.err.date_future"
		case day.AddDate(0, 0, 1).Before(now):
			d.to = day.AddDate(0, 0, 1)
		}
	}
	for _, r := range dashRanges {
		if r.name == d.rangeName {
			d.from = d.to.Add(-r.d)
		}
	}
	d.listTo = d.to
	if v := d.values[dashAt]; v != "" {
		at, err := time.Parse(time.RFC3339, v)
		switch {
		case err != nil:
			d.errs[dashAt] = "dash.err.at"
		case !at.After(d.from) || at.After(d.to):
			d.errs[dashAt] = "dash.err.at_range"
		default:
			d.listTo = at
		}
	}
	if v := d.values[dashKind]; v != "" {
		if k := dashboard.Kind(v); k.Valid() {
			d.kind = k
		} else {
			d.errs[dashKind] = "dash.err.kind"
		}
	}
	return d
}

// url is the dashboard's path with the request's parameters, less the
// ones dropped, plus extra ones (name, value pairs).
func (d dashRequest) url(path string, drop []string, extra ...string) string {
	v := url.Values{}
	for p, x := range d.values {
		if p != dashCursor && p != dashAt {
			v.Set(p, x)
		}
	}
	for _, p := range drop {
		v.Del(p)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// query is what the list selects.
func (d dashRequest) query(v dashView) dashboard.Query {
	return dashboard.Query{TenantID: v.tenantID, CameraID: v.camera.ID, From: d.from, To: d.listTo,
		Kind: d.kind, Q: d.values[dashQ], Cursor: d.values[dashCursor]}
}

// ownerDashboard is the owner's dashboard of one of their cameras.
func (s *Server) ownerDashboard(w http.ResponseWriter, r *http.Request) {
	c, ok := ownedByPath(s, w, r, "cameraID", s.deps.Tenancy.Camera)
	if !ok {
		return
	}
	s.dashboardPage(w, r, dashView{tenantID: c.TenantID, camera: c, base: views.CameraURL(c.ID)})
}

// supportDashboard is a tenant's camera's dashboard for staff, read only.
func (s *Server) supportDashboard(w http.ResponseWriter, r *http.Request) {
	t, c, ok := s.supportCamera(w, r)
	if !ok {
		return
	}
	s.dashboardPage(w, r, dashView{tenantID: t.ID, camera: c, staff: true, base: views.SupportCameraURL(t.ID, c.ID)})
}

// dashboardPage shows the camera's timeline and list. A refused parameter
// is 400 with its message on the page, and nothing is listed.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request, v dashView) {
	ctx := r.Context()
	d := parseDashRequest(r.URL.Query(), s.cfg.Location, s.deps.Dashboard.Now())
	p := s.page(r, "dash.title", v.camera.Name)
	// The list's nine columns beside the picture want a wider page.
	p.BodyClass = "dash-page"
	view := s.dashModel(r, v, d)
	if len(d.errs) > 0 {
		s.render(w, r, http.StatusBadRequest, views.Dashboard(p, s.dashRefused(r, view, d.errs)))
		return
	}
	page, err := s.deps.Dashboard.List(ctx, d.query(v))
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		s.render(w, r, http.StatusBadRequest, views.Dashboard(p, s.dashRefused(r, view, e.Fields)))
		return
	}
	if err != nil {
		s.respond(w, r, err)
		return
	}
	marks, err := s.deps.Dashboard.Timeline(ctx, v.tenantID, v.camera.ID, d.from, d.to)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	cov, err := s.deps.Dashboard.Coverage(ctx, v.tenantID, v.camera.ID, d.from, d.to)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	ids := make([]int64, len(page.Items))
	for i, t := range page.Items {
		ids[i] = t.ID
	}
	stillStates, err := s.deps.Stills.States(ctx, v.tenantID, ids)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.fillDashModel(r, &view, v, d, dashRead{page: page, marks: marks, cov: cov, stills: stillStates})
	s.render(w, r, http.StatusOK, views.Dashboard(p, view))
}

// dashRefused is the page with the refused parameters' messages.
func (s *Server) dashRefused(r *http.Request, view views.DashboardView, errs map[string]string) views.DashboardView {
	lang := langOf(r.Context())
	view.Filter.Errors = map[string]string{}
	// The form shows the messages of its fields beside them; those of the
	// parameters only links carry say which they are at the top.
	var top []string
	for _, p := range []string{dashKind, dashQ, dashDate, dashRange, dashAt, dashCursor,
		dashboard.ParamFrom, dashboard.ParamTo, dashboard.ParamLimit} {
		key, ok := errs[p]
		if !ok {
			continue
		}
		view.Filter.Errors[p] = i18n.T(lang, key)
		if p != dashQ && p != dashDate {
			top = append(top, i18n.T(lang, key))
		}
	}
	view.Filter.Error = i18n.T(lang, "err.form_invalid")
	if len(top) > 0 {
		view.Filter.Error = strings.Join(top, " ")
	}
	view.Refused = true
	return view
}
