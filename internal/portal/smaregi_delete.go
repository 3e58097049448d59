package portal

import (
	"net/http"
	"slices"

	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/web/views"
)

// smaregiDelete is the trash icon: without confirm=yes it asks (on a page
// of its own, no JavaScript needed), with it it deletes the ticked rows'
// links (terminal=…) or the whole link of the contract (scope=link).
func (s *Server) smaregiDelete(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok || !s.smaregiParseForm(w, r) {
		return
	}
	lang := langOf(r.Context())
	whole := r.PostForm.Get("scope") == "link"
	cams, err := s.deps.Tenancy.Cameras(r.Context(), l.Conn.TenantID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := views.SmaregiDelete{Link: s.smaregiLinkView(lang, l, camerasByID(cams)), Whole: whole}
	rows := v.Link.Rows
	if !whole {
		// Only rows the link has: a key typed into the form is ignored.
		ticked := r.PostForm["terminal"]
		rows = slices.DeleteFunc(slices.Clone(rows), func(b views.SmaregiBindingRow) bool { return !slices.Contains(ticked, b.Key) })
		if len(rows) == 0 {
			s.flash(r, "error", i18n.T(lang, "smaregi.err.select_rows"))
			http.Redirect(w, r, "/smaregi#link-"+smaregiItoa(l.Conn.ID), http.StatusSeeOther)
			return
		}
	}
	v.Rows = rows
	if r.PostForm.Get("confirm") != "yes" {
		s.render(w, r, http.StatusOK, views.SmaregiDeleteConfirm(s.page(r, "smaregi.del.title"), v))
		return
	}
	actor := smaregiActor(r)
	if whole {
		if err := s.deps.Smaregi.Delete(r.Context(), actor, l.Conn.TenantID, l.Conn.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		s.smaregiDone(w, r, "/smaregi", i18n.T(lang, "flash.smaregi_deleted", l.Conn.ExternalID))
		return
	}
	keys := make([]string, len(rows))
	for i, row := range rows {
		keys[i] = row.Key
	}
	n, err := s.deps.Smaregi.Unbind(r.Context(), actor, l.Conn.TenantID, l.Conn.ID, keys)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.smaregiDone(w, r, "/smaregi#link-"+smaregiItoa(l.Conn.ID), i18n.T(lang, "flash.smaregi_unbound", n))
}
