package portal

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/tenancy"
	"github.com/poslink/poslink/web/views"
)

// tokenRoutes are ビューア用APIトークン: the owner creates, lists and
// revokes the viewer API's tokens.
func (s *Server) tokenRoutes(r chi.Router) {
	r.Get("/tokens", s.tokensPage)
	r.Post("/tokens", s.createToken)
	r.Get("/tokens/{tokenID}/revoke", s.revokeTokenConfirm)
	r.Post("/tokens/{tokenID}/revoke", s.revokeToken)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, views.Form{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, form views.Form) {
	// The list's last uses are at most about a minute stale, and this
	// instance's own are current (apitoken.Store.List; nothing is written).
	list, err := s.deps.Tokens.List(r.Context(), currentUser(r.Context()).TenantID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	now := s.deps.Now()
	rows := make([]views.TokenRow, 0, len(list))
	for _, t := range list {
		row := views.TokenRow{ID: t.ID, Name: t.Name, Created: t.CreatedAt, Expires: t.ExpiresAt, LastUsed: t.LastUsedAt,
			Revoked: t.RevokedAt, State: "active"}
		switch {
		case !t.RevokedAt.IsZero():
			row.State = "revoked"
		case !t.Active(now):
			row.State = "expired"
		}
		rows = append(rows, row)
	}
	s.render(w, r, status, views.TokensPage(s.page(r, "tokens.title"),
		views.TokensView{Rows: rows, Form: form, Loc: s.cfg.Location}))
}

// createToken makes a token and shows its secret on this answer only: it
// is in no redirect, session or log, and the page is not cached.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	form := views.Form{Values: map[string]string{"name": r.PostForm.Get("name"), "expires": r.PostForm.Get("expires")}}
	in := apitoken.Input{Name: r.PostForm.Get("name")}
	var err error
	if v := r.PostForm.Get("expires"); v != "" {
		if day, ok := tenancy.ParseDate(v); ok {
			// The token works through the whole day entered, in the
			// operator's time zone.
			in.ExpiresAt = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, s.cfg.Location)
		} else {
			err = apperr.Field("expires", "err.api_token_expiry_date")
		}
	}
	var c apitoken.Created
	if err == nil {
		c, err = s.deps.Tokens.Create(r.Context(), actor(r), currentUser(r.Context()).TenantID, in)
	}
	if err != nil {
		s.respondForm(w, r, err, func(a httpx.Answer) { s.renderTokens(w, r, a.Status, withAnswer(form, a)) })
		return
	}
	origin := string(s.site)
	if origin == "" {
		origin = "http://" + r.Host
	}
	s.render(w, r, http.StatusCreated, views.TokenCreatedPage(s.page(r, "tokens.created.title"),
		views.TokenCreated{Name: c.Name, Secret: c.Secret, APIURL: origin + APIPrefix, DocURL: origin + APIPrefix + "/openapi.json"}))
}

func (s *Server) revokeTokenConfirm(w http.ResponseWriter, r *http.Request) {
	t, ok := ownedByPath(s, w, r, "tokenID", s.deps.Tokens.Get)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, views.DeleteConfirmPage(s.page(r, "tokens.revoke.title"), views.DeleteConfirm{
		Lead: text(r, "tokens.revoke.lead", t.Name), Action: views.TokenURL(t.ID, "revoke"),
		Submit: text(r, "tokens.revoke.submit"), CancelURL: "/tokens", Cancel: text(r, "tokens.revoke.cancel")}))
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	t, ok := ownedByPath(s, w, r, "tokenID", s.deps.Tokens.Get)
	if !ok {
		return
	}
	if err := s.deps.Tokens.Revoke(r.Context(), actor(r), currentUser(r.Context()).TenantID, t.ID); err != nil {
		s.respond(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/tokens", flashOK, text(r, "flash.token_revoked", t.Name))
}
