package portal

import (
	"net/http"

	"github.com/poslink/poslink/internal/i18n"
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
	if !s.smaregiParseForm(w, r) {
		return
	}
	in := smaregiInput(r)
	c, err := s.deps.Smaregi.Add(r.Context(), smaregiActor(r), currentUser(r.Context()).TenantID, in)
	if err != nil {
		f := smaregiCredForm(in)
		status, ok := smaregiFormError(langOf(r.Context()), &f, err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, status, views.SmaregiNew(s.page(r, "smaregi.new.title"), views.SmaregiCredentials{Form: f}))
		return
	}
	s.smaregiDone(w, r, smaregiPath(c.ID, ""), i18n.T(langOf(r.Context()), "flash.smaregi_added", c.ExternalID))
}

// smaregiEdit is 連携情報修正: the client ID as stored, the secret as *****.
func (s *Server) smaregiEdit(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok {
		return
	}
	clientID, err := s.deps.Smaregi.ClientID(r.Context(), l.Conn.TenantID, l.Conn.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := views.Form{Values: map[string]string{"client_id": clientID, "memo": l.Conn.Memo}}
	s.renderSmaregiEdit(w, r, http.StatusOK, l, f)
}

// smaregiUpdate saves new credentials (or moves a link on the old token to
// them) once Smaregi accepted them; the bindings stay.
func (s *Server) smaregiUpdate(w http.ResponseWriter, r *http.Request) {
	l, ok := s.smaregiLink(w, r)
	if !ok || !s.smaregiParseForm(w, r) {
		return
	}
	in := smaregiInput(r)
	c, err := s.deps.Smaregi.UpdateCredentials(r.Context(), smaregiActor(r), l.Conn.TenantID, l.Conn.ID, in)
	if err != nil {
		f := smaregiCredForm(in)
		status, ok := smaregiFormError(langOf(r.Context()), &f, err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.renderSmaregiEdit(w, r, status, l, f)
		return
	}
	key := "flash.smaregi_updated"
	if l.Conn.AuthKind == link.LegacyToken {
		key = "flash.smaregi_migrated"
	}
	s.smaregiDone(w, r, "/smaregi#link-"+smaregiItoa(c.ID), i18n.T(langOf(r.Context()), key, c.ExternalID))
}

func (s *Server) renderSmaregiEdit(w http.ResponseWriter, r *http.Request, status int, l smaregilink.Link, f views.Form) {
	v := s.smaregiLinkView(langOf(r.Context()), l, nil)
	s.render(w, r, status, views.SmaregiEdit(s.page(r, "smaregi.edit.title"), views.SmaregiCredentials{Form: f, Link: &v}))
}
