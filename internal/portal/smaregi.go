package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// smaregiRoutes are the owner's スマレジ連携設定 pages. Every connection ID in
// a URL is looked up within the session's tenant: another tenant's is 404.
func (s *Server) smaregiRoutes(r chi.Router) {
	r.Get("/smaregi", s.smaregiList)
	r.Get("/smaregi/new", s.smaregiNew)
	r.Post("/smaregi", s.smaregiAdd)
	r.Get("/smaregi/{connID}", s.smaregiTerminals)
	r.Post("/smaregi/{connID}/bind", s.smaregiBind)
	r.Get("/smaregi/{connID}/edit", s.smaregiEdit)
	r.Post("/smaregi/{connID}/edit", s.smaregiUpdate)
	r.Post("/smaregi/{connID}/delete", s.smaregiDelete)
}

// smaregiActor is the logged-in owner, as the audit log names them.
func smaregiActor(r *http.Request) audit.Actor {
	u := currentUser(r.Context())
	return audit.Actor{UserID: u.ID, Label: u.Email}
}

// smaregiList is スマレジ連携設定: each linked contract with its bindings.
func (s *Server) smaregiList(w http.ResponseWriter, r *http.Request) {
	tenantID := currentUser(r.Context()).TenantID
	links, err := s.deps.Smaregi.Links(r.Context(), tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cams, err := s.deps.Tenancy.Cameras(r.Context(), tenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	byID := camerasByID(cams)
	lang := langOf(r.Context())
	rows := make([]views.SmaregiLink, 0, len(links))
	for _, l := range links {
		rows = append(rows, s.smaregiLinkView(lang, l, byID))
	}
	s.render(w, r, http.StatusOK, views.SmaregiList(s.page(r, "smaregi.title"), rows))
}

// smaregiLink loads the link named in the URL within the session's tenant;
// when it answers false it has already answered (404 for another tenant's).
func (s *Server) smaregiLink(w http.ResponseWriter, r *http.Request) (smaregilink.Link, bool) {
	return ownedByPath(s, w, r, "connID", s.deps.Smaregi.Link)
}

// smaregiCameraLabel is a camera as the manuals list it: name (model : device ID).
func smaregiCameraLabel(lang i18n.Lang, c tenancy.Camera) string {
	return i18n.T(lang, "smaregi.terms.camera_label", c.Name, c.Model, c.DeviceID)
}

// camerasByID indexes cameras by their ID.
func camerasByID(cams []tenancy.Camera) map[int64]tenancy.Camera {
	out := make(map[int64]tenancy.Camera, len(cams))
	for _, c := range cams {
		out[c.ID] = c
	}
	return out
}

// smaregiLinkView is a link as the pages show it.
func (s *Server) smaregiLinkView(lang i18n.Lang, l smaregilink.Link, cams map[int64]tenancy.Camera) views.SmaregiLink {
	v := views.SmaregiLink{ID: l.Conn.ID, ContractID: l.Conn.ExternalID, Memo: l.Conn.Memo,
		Legacy: l.Conn.AuthKind == link.LegacyToken, Phase: string(l.Phase),
		Cutover: s.smaregiDate(lang, s.deps.Smaregi.LegacyCutover())}
	bindings := slices.Clone(l.Bindings)
	slices.SortFunc(bindings, func(a, b link.Binding) int { return smaregilink.CompareKeys(a.Terminal.Key, b.Terminal.Key) })
	for _, b := range bindings {
		_, term, _ := smaregilink.SplitKey(b.Terminal.Key)
		row := views.SmaregiBindingRow{Key: b.Terminal.Key, StoreName: smaregiStoreName(lang, b.Terminal.Key, b.Terminal.Store),
			TerminalID: term, TerminalName: b.Terminal.Name}
		if c, ok := cams[b.CameraID]; ok {
			row.Camera = smaregiCameraLabel(lang, c)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// smaregiDate writes a day as the notices do: 2026年1月24日, January 24, 2026.
func (s *Server) smaregiDate(lang i18n.Lang, t time.Time) string {
	if s.cfg.Location != nil {
		t = t.In(s.cfg.Location)
	}
	if lang == i18n.EN {
		return t.Format("January 2, 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// smaregiFormError puts err's messages on f — the whole form's and each
// field's — and returns the status to show the form again with. ok is false
// for an internal failure, which the caller answers with a 500.
func smaregiFormError(lang i18n.Lang, f *views.Form, err error) (int, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		return 0, false
	}
	f.Error = i18n.T(lang, e.Key, e.Args...)
	f.Errors = make(map[string]string, len(e.Fields))
	for field, key := range e.Fields {
		f.Errors[field] = i18n.T(lang, key)
	}
	return statusOf(e.Kind), true
}

// smaregiParseForm reads a POSTed form; a body too large or malformed is a 400.
func (s *Server) smaregiParseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadRequest)
		return false
	}
	return true
}

// smaregiDone flashes text and sends the browser to path with 303.
func (s *Server) smaregiDone(w http.ResponseWriter, r *http.Request, path, text string) {
	s.flash(r, "ok", text)
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// smaregiPath is a link's page, or one of its actions.
func smaregiPath(id int64, action string) string {
	p := "/smaregi/" + smaregiItoa(id)
	if action != "" {
		p += "/" + action
	}
	return p
}

func smaregiItoa(n int64) string { return strconv.FormatInt(n, 10) }

// smaregiStoreName is a store's name, or its ID when the name is not known
// (a link imported from the old system before Smaregi was asked).
func smaregiStoreName(lang i18n.Lang, key, name string) string {
	if name != "" {
		return name
	}
	st, _, _ := smaregilink.SplitKey(key)
	return i18n.T(lang, "smaregi.store_id", st)
}
