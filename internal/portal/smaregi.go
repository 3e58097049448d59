package portal

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
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
	r.Get("/smaregi/{connID}/unbind", s.smaregiUnbindConfirm)
	r.Post("/smaregi/{connID}/unbind", s.smaregiUnbind)
	r.Get("/smaregi/{connID}/delete", s.smaregiDeleteConfirm)
	r.Post("/smaregi/{connID}/delete", s.smaregiDelete)
}

// smaregiList is スマレジ連携設定: each linked contract with its bindings.
func (s *Server) smaregiList(w http.ResponseWriter, r *http.Request) {
	tenantID := currentUser(r.Context()).TenantID
	links, err := s.deps.Smaregi.Links(r.Context(), tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	labels, err := s.cameraLabelsOf(r, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	polls, err := s.pollStatuses(r, tenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	rows := make([]views.SmaregiLink, 0, len(links))
	for _, l := range links {
		v := s.smaregiLinkView(r, l, labels)
		st, ok := polls[l.Conn.ID]
		v.Poll = s.pollStatusView(r, st, ok)
		rows = append(rows, v)
	}
	s.render(w, r, http.StatusOK, views.SmaregiList(s.page(r, "smaregi.title"), rows))
}

// smaregiLink loads the link named in the URL within the session's tenant;
// when it answers false it has already answered (404 for another tenant's).
func (s *Server) smaregiLink(w http.ResponseWriter, r *http.Request) (smaregilink.Link, bool) {
	return ownedByPath(s, w, r, "connID", s.deps.Smaregi.Link)
}

// smaregiLinkView is a link as the pages show it; cameraLabels name the
// cameras of its rows.
func (s *Server) smaregiLinkView(r *http.Request, l smaregilink.Link, cameraLabels map[int64]string) views.SmaregiLink {
	lang := langOf(r.Context())
	v := views.SmaregiLink{ID: l.Conn.ID, ContractID: l.Conn.ExternalID, Memo: l.Conn.Memo,
		Legacy: l.Conn.AuthKind == link.LegacyToken, Phase: string(l.Phase),
		Cutover: s.smaregiDate(lang, s.deps.Smaregi.LegacyCutover())}
	bindings := slices.Clone(l.Bindings)
	slices.SortFunc(bindings, func(a, b link.Binding) int { return smaregilink.CompareKeys(a.Terminal.Key, b.Terminal.Key) })
	for _, b := range bindings {
		_, term, _ := smaregilink.SplitKey(b.Terminal.Key)
		v.Rows = append(v.Rows, views.SmaregiBindingRow{Key: b.Terminal.Key, StoreName: smaregiStoreName(lang, b.Terminal.Key, b.Terminal.Store),
			TerminalID: term, TerminalName: b.Terminal.Name, Camera: cameraLabels[b.CameraID]})
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

// smaregiStoreName is a store's name, or its ID when the name is not known
// (a link imported from the old system before Smaregi was asked).
func smaregiStoreName(lang i18n.Lang, key, name string) string {
	if name != "" {
		return name
	}
	st, _, _ := smaregilink.SplitKey(key)
	return i18n.T(lang, "smaregi.store_id", st)
}
