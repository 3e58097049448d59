package portal

import (
	"net/http"
	"slices"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/web/views"
)

// smaregiUnbindConfirm is the confirmation step of the trash icon: the
// ticked rows of the link (a key the link does not have is left out), and
// the button that deletes their links.
func (s *Server) smaregiUnbindConfirm(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok {
		return
	}
	ticked := r.URL.Query()["terminal"]
	v, err := s.smaregiDeleteView(r, l, func(key string) bool { return slices.Contains(ticked, key) })
	if err != nil {
		s.respond(w, r, err)
		return
	}
	if len(v.Rows) == 0 {
		// The link's page again with the message: a GET changes nothing,
		// not even the session a flash would be kept in.
		s.renderSmaregiTerminals(w, r, http.StatusBadRequest, l.Conn.ID, views.Form{Error: text(r, "smaregi.err.select_rows")}, views.Form{})
		return
	}
	v.Lead, v.Action = text(r, "smaregi.del.rows"), views.SmaregiURL(l.Conn.ID, "unbind")
	s.render(w, r, http.StatusOK, views.DeleteConfirmPage(s.page(r, "smaregi.del.title"), v))
}

// smaregiUnbind deletes the ticked rows' links; the contract stays linked.
func (s *Server) smaregiUnbind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return
	}
	seen, err := seenBindings(r)
	var n int
	if err == nil {
		n, err = s.deps.Smaregi.Unbind(r.Context(), actor(r), currentUser(r.Context()).TenantID, id, seen)
	}
	if err != nil {
		s.smaregiRefused(w, r, id, err)
		return
	}
	s.redirectFlash(w, r, views.SmaregiLinkURL(id), flashOK, text(r, "flash.smaregi_unbound", n))
}

// smaregiDeleteConfirm is the confirmation step of この連携を削除: the link
// of the contract with all its rows.
func (s *Server) smaregiDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok {
		return
	}
	v, err := s.smaregiDeleteView(r, l, func(string) bool { return true })
	if err != nil {
		s.respond(w, r, err)
		return
	}
	v.Lead, v.Action = text(r, "smaregi.del.link", l.Conn.ExternalID, len(v.Rows)), views.SmaregiURL(l.Conn.ID, "delete")
	s.render(w, r, http.StatusOK, views.DeleteConfirmPage(s.page(r, "smaregi.del.title"), v))
}

// smaregiDelete removes the link of the contract; the cameras stay.
func (s *Server) smaregiDelete(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	seen, err := seenBindings(r)
	if err == nil {
		err = s.deps.Smaregi.Delete(r.Context(), actor(r), l.Conn.TenantID, l.Conn.ID, seen)
	}
	if err != nil {
		s.smaregiRefused(w, r, l.Conn.ID, err)
		return
	}
	s.redirectFlash(w, r, "/smaregi", flashOK, text(r, "flash.smaregi_deleted", l.Conn.ExternalID))
}

// smaregiRefused answers a refused delete with the link's page as it
// stands now and the message (a delete of rows that changed since the
// confirmation showed them: nothing was deleted), or the error page.
func (s *Server) smaregiRefused(w http.ResponseWriter, r *http.Request, id int64, err error) {
	s.respondForm(w, r, err, func(a httpx.Answer) {
		s.renderSmaregiTerminals(w, r, a.Status, id, views.Form{Error: a.Message}, views.Form{})
	})
}

// smaregiDeleteView is the confirmation page of a delete with the link's
// rows that keep says, to be completed with its lead and action.
func (s *Server) smaregiDeleteView(r *http.Request, l smaregilink.Link, keep func(key string) bool) (views.DeleteConfirm, error) {
	v := views.DeleteConfirm{
		Columns: []string{text(r, "smaregi.col_contract"), text(r, "smaregi.col_terminal"), text(r, "smaregi.col_camera")},
		Notes:   []string{text(r, "smaregi.cancel_note")}, Submit: text(r, "smaregi.del.submit"),
		CancelURL: views.SmaregiLinkURL(l.Conn.ID), Cancel: text(r, "smaregi.form.back"),
	}
	labels, err := s.cameraLabelsOf(r, l.Conn.TenantID)
	if err != nil {
		return v, err
	}
	bindingOf := make(map[string]int64, len(l.Bindings))
	for _, b := range l.Bindings {
		bindingOf[b.Terminal.Key] = b.ID
	}
	for _, row := range s.smaregiLinkView(r, l, labels).Rows {
		if !keep(row.Key) {
			continue
		}
		terminal := text(r, "smaregi.terminal_cell", row.StoreName, row.TerminalID)
		if row.TerminalName != "" {
			terminal += "（" + row.TerminalName + "）"
		}
		v.Rows = append(v.Rows, []views.Cell{{Text: l.Conn.ExternalID, Mono: true}, {Text: terminal}, {Text: row.Camera}})
		v.Bindings = append(v.Bindings, bindingOf[row.Key])
	}
	return v, nil
}
