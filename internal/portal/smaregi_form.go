package portal

import (
	"net/http"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/web/views"
)

// smaregiInput reads the credentials form. The secret goes to the service
// only: it is never put back on a page, logged or flashed.
func smaregiInput(r *http.Request) smaregilink.Input {
	return smaregilink.Input{ContractID: r.PostForm.Get("contract_id"), ClientID: r.PostForm.Get("client_id"),
		ClientSecret: r.PostForm.Get("client_secret"), Memo: r.PostForm.Get("memo")}
}

// smaregiCredForm is what the form shows again: everything but the secret.
func smaregiCredForm(in smaregilink.Input) views.Form {
	return views.Form{Values: map[string]string{"contract_id": in.ContractID, "client_id": in.ClientID, "memo": in.Memo}}
}

// smaregiNew is 新規設定追加 (the manuals' ＋).
func (s *Server) smaregiNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.SmaregiNew(s.page(r, "smaregi.new.title"), views.SmaregiCredentials{}))
}

// smaregiAdd checks the credentials with Smaregi and links the contract,
// then shows its terminals to pick cameras for.
func (s *Server) smaregiAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := smaregiInput(r)
	c, err := s.deps.Smaregi.Add(r.Context(), actor(r), currentUser(r.Context()).TenantID, in)
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) {
			f := withAnswer(smaregiCredForm(in), a)
			s.render(w, r, a.Status, views.SmaregiNew(s.page(r, "smaregi.new.title"), views.SmaregiCredentials{Form: f}))
		})
		return
	}
	s.redirectFlash(w, r, views.SmaregiURL(c.ID, ""), flashOK, text(r, "flash.smaregi_added", c.ExternalID))
}

// smaregiEdit is 連携情報修正: the client ID as stored, the secret as *****.
func (s *Server) smaregiEdit(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok {
		return
	}
	clientID, err := s.deps.Smaregi.ClientID(r.Context(), l.Conn.TenantID, l.Conn.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	f := views.Form{Values: map[string]string{"client_id": clientID, "memo": l.Conn.Memo}}
	s.renderSmaregiEdit(w, r, http.StatusOK, l, f)
}

// smaregiUpdate saves new credentials (or moves a link on the old token to
// them) once Smaregi accepted them; the bindings stay.
func (s *Server) smaregiUpdate(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	in := smaregiInput(r)
	c, err := s.deps.Smaregi.UpdateCredentials(r.Context(), actor(r), l.Conn.TenantID, l.Conn.ID, in)
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) { s.renderSmaregiEdit(w, r, a.Status, l, withAnswer(smaregiCredForm(in), a)) })
		return
	}
	key := "flash.smaregi_updated"
	if l.Conn.AuthKind == link.LegacyToken {
		key = "flash.smaregi_migrated"
	}
	s.redirectFlash(w, r, views.SmaregiLinkURL(c.ID), flashOK, text(r, key, c.ExternalID))
}

// renderSmaregiEdit shows the 連携情報修正 form, with why Smaregi refuses
// the link when its polling stopped on that.
func (s *Server) renderSmaregiEdit(w http.ResponseWriter, r *http.Request, status int, l smaregilink.Link, f views.Form) {
	polls, err := s.pollStatuses(r, l.Conn.TenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	v := s.smaregiLinkView(r, l, nil)
	st, ok := polls[l.Conn.ID]
	v.Poll = s.pollStatusView(r, st, ok)
	s.render(w, r, status, views.SmaregiEdit(s.page(r, "smaregi.edit.title"), views.SmaregiCredentials{Form: f, Link: &v}))
}
