package portal

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/web/views"
)

// UbiregiCallbackPath is where Ubiregi's consent page sends the owner back:
// the redirect URI registered at Ubiregi.
const UbiregiCallbackPath = "/ubiregi/callback"

// Session keys of a consent under way: the state Ubiregi must send back,
// the PKCE verifier and when it started.
const (
	sessUbiregiState    = "ubiregi_state"
	sessUbiregiVerifier = "ubiregi_verifier"
	sessUbiregiStarted  = "ubiregi_started"
)

// ubiregiConsentTTL is how long a consent may take, from the button to the
// callback: time to log in at Ubiregi, not to leave the tab overnight.
const ubiregiConsentTTL = 15 * time.Minute

// ubiregiRoutes are the owner's Ubiregi連携設定 pages. The callback is here
// too, behind the login: an anonymous callback goes to the login page.
func (s *Server) ubiregiRoutes(r chi.Router) {
	// Starting a consent keeps its state in the session, so it is a POST
	// (no GET changes anything), answered by a redirect to Ubiregi: the
	// pages' forms may lead there.
	if ubiregi, err := httpx.OriginOf(s.cfg.UbiregiURL); err == nil {
		r.Use(httpx.FormTargets(string(ubiregi)))
	}
	r.Get("/ubiregi", s.ubiregiPage)
	r.Post("/ubiregi/connect", s.ubiregiConnect)
	r.Get(UbiregiCallbackPath, s.ubiregiCallback)
	r.Post("/ubiregi/{connID}/bind", s.ubiregiBind)
	r.Get("/ubiregi/{connID}/unbind", s.ubiregiUnbindConfirm)
	r.Post("/ubiregi/{connID}/unbind", s.ubiregiUnbind)
	r.Get("/ubiregi/{connID}/delete", s.ubiregiUnlinkConfirm)
	r.Post("/ubiregi/{connID}/delete", s.ubiregiUnlink)
}

func (s *Server) ubiregiPage(w http.ResponseWriter, r *http.Request) {
	s.renderUbiregi(w, r, http.StatusOK, nil)
}

// ubiregiConnect starts a consent: a new state and PKCE verifier kept in
// the session, and the browser sent to Ubiregi's consent page. A second
// start replaces the first, whose callback is then refused.
func (s *Server) ubiregiConnect(w http.ResponseWriter, r *http.Request) {
	state, verifier := s.startUbiregiConsent(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.deps.Ubiregi.AuthURL(state, verifier), http.StatusSeeOther)
}

// startUbiregiConsent keeps a new consent's state and PKCE verifier, and
// when it started, in the session.
func (s *Server) startUbiregiConsent(ctx context.Context) (state, verifier string) {
	state, verifier = ubiregilink.NewConsent()
	s.sessions.Put(ctx, sessUbiregiState, state)
	s.sessions.Put(ctx, sessUbiregiVerifier, verifier)
	// Seconds, as an int: the session codec (gob) knows no time.Time.
	s.sessions.Put(ctx, sessUbiregiStarted, int(s.deps.Now().Unix()))
	return state, verifier
}

// popUbiregiConsent takes the pending consent out of the session, so that a
// state is good for one callback only; ok is false when there is none
// (or it is too old).
func (s *Server) popUbiregiConsent(ctx context.Context) (state, verifier string, ok bool) {
	state = s.sessions.PopString(ctx, sessUbiregiState)
	verifier = s.sessions.PopString(ctx, sessUbiregiVerifier)
	started := time.Unix(int64(s.sessions.PopInt(ctx, sessUbiregiStarted)), 0)
	return state, verifier, state != "" && verifier != "" && s.deps.Now().Sub(started) < ubiregiConsentTTL
}

var errUbiregiState = apperr.New(apperr.Invalid, "err.ubiregi_state")

// ubiregiCallback is where Ubiregi sends the owner back with a code (許可する)
// or an error (許可しない). The state must be the one this session started
// with; then the code is exchanged and the account linked. Either way the
// owner lands on the settings page with a message.
func (s *Server) ubiregiCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, verifier, pending := s.popUbiregiConsent(r.Context())
	var (
		conn link.Connection
		err  error
	)
	switch {
	case !pending || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
		err = errUbiregiState
	case q.Has("error"):
		err = ubiregilink.AuthorizeError(q.Get("error"))
	case q.Get("code") == "":
		err = ubiregilink.AuthorizeError("invalid_request")
	default:
		conn, err = s.deps.Ubiregi.Complete(r.Context(), actor(r), currentUser(r.Context()).TenantID, q.Get("code"), verifier)
	}
	if err != nil {
		// The message goes with the owner to the settings page; the log
		// names no code, state or token.
		s.respondForm(w, r, err, func(a httpx.Answer) { s.redirectFlash(w, r, "/ubiregi", flashError, a.Message) })
		return
	}
	key := "flash.ubiregi_linked"
	if conn.Renewed() {
		key = "flash.ubiregi_relinked"
	}
	s.redirectFlash(w, r, views.UbiregiAccountURL(conn.ID), flashOK, text(r, key, conn.Name))
}

// ubiregiRefusal is a form the page refused, shown on the page again: the
// message at the row of the terminal, or at the top.
type ubiregiRefusal struct {
	connID   int64
	terminal string
	camera   int64
	message  string
}

// ubiregiRefused answers a refused form of the settings page: the page
// again with the message (the status from the error), or the 500 page.
func (s *Server) ubiregiRefused(w http.ResponseWriter, r *http.Request, err error, ref ubiregiRefusal) {
	s.respondForm(w, r, err, func(a httpx.Answer) {
		ref.message = a.Message
		s.renderUbiregi(w, r, a.Status, &ref)
	})
}

// ubiregiConn reads the connection ID of the URL; when it answers false it
// has already answered 404.
func (s *Server) ubiregiConn(w http.ResponseWriter, r *http.Request) (link.Connection, bool) {
	return ownedByPath(s, w, r, "connID", s.deps.Ubiregi.Connection)
}

// ubiregiBind is 更新 on a row: the terminal feeds the chosen camera.
func (s *Server) ubiregiBind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return
	}
	terminal := r.PostForm.Get("terminal")
	cameraID, _ := link.ParseID(r.PostForm.Get("camera"))
	u := currentUser(r.Context())
	var t link.Terminal
	seen, err := seenBinding(r)
	if err == nil {
		t, err = s.deps.Ubiregi.Bind(r.Context(), actor(r), u.TenantID, id, terminal, cameraID, seen)
	}
	if errors.Is(err, link.ErrChanged) {
		// Changed meanwhile: the row shows the camera it feeds now.
		cameraID = 0
	}
	if err != nil {
		s.ubiregiRefused(w, r, err, ubiregiRefusal{connID: id, terminal: terminal, camera: cameraID})
		return
	}
	cam, err := s.deps.Tenancy.Camera(r.Context(), u.TenantID, cameraID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.redirectFlash(w, r, views.UbiregiAccountURL(id), flashOK, text(r, "flash.ubiregi_bound", ubiregiTerminalLabel(t), cam.Name))
}

// ubiregiTerminalLabel names a terminal in messages: its name, else its ID.
func ubiregiTerminalLabel(t link.Terminal) string {
	if t.Name != "" {
		return t.Name
	}
	return t.Key
}

// ubiregiUnbindConfirm is the confirmation step of the trash icon: the
// ticked rows that feed a camera, and a button that deletes their links.
func (s *Server) ubiregiUnbindConfirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok {
		return
	}
	keys := r.URL.Query()["terminal"]
	if len(keys) == 0 {
		// The settings page again with the message: a GET changes nothing,
		// not even the session a flash would be kept in.
		s.renderUbiregi(w, r, http.StatusBadRequest, &ubiregiRefusal{connID: c.ID, message: text(r, "err.ubiregi_unbind_none")})
		return
	}
	v, err := s.ubiregiUnbindView(r, c, keys)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.DeleteConfirmPage(s.page(r, "ubiregi.unbind_title"), v))
}

func (s *Server) ubiregiUnbind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "connID")
	if !ok || !s.parseForm(w, r) {
		return
	}
	seen, err := seenBindings(r)
	var n int
	if err == nil {
		n, err = s.deps.Ubiregi.Unbind(r.Context(), actor(r), currentUser(r.Context()).TenantID, id, seen)
	}
	if err != nil {
		s.ubiregiRefused(w, r, err, ubiregiRefusal{connID: id})
		return
	}
	s.redirectFlash(w, r, views.UbiregiAccountURL(id), flashOK, text(r, "flash.ubiregi_unbound", n))
}

// ubiregiUnlinkConfirm is the confirmation step of アカウント連携を解除.
func (s *Server) ubiregiUnlinkConfirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok {
		return
	}
	bs, err := s.deps.Links.Bindings(r.Context(), c.TenantID, c.ID)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	seen := make([]int64, len(bs))
	for i, b := range bs {
		seen[i] = b.ID
	}
	s.render(w, r, http.StatusOK, views.DeleteConfirmPage(s.page(r, "ubiregi.unlink_title"), views.DeleteConfirm{
		Lead: text(r, "ubiregi.unlink_lead", c.Name, c.ExternalID, len(bs)), Bindings: seen,
		Notes:  []string{text(r, "ubiregi.delete_note"), text(r, "ubiregi.support_note")},
		Action: views.UbiregiURL(c.ID, "delete"), Submit: text(r, "ubiregi.unlink_submit"),
		CancelURL: views.UbiregiAccountURL(c.ID), Cancel: text(r, "ubiregi.cancel"),
	}))
}

func (s *Server) ubiregiUnlink(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	seen, err := seenBindings(r)
	if err == nil {
		err = s.deps.Ubiregi.Delete(r.Context(), actor(r), c.TenantID, c.ID, seen)
	}
	if err != nil {
		s.ubiregiRefused(w, r, err, ubiregiRefusal{connID: c.ID})
		return
	}
	s.redirectFlash(w, r, "/ubiregi", flashOK, text(r, "flash.ubiregi_unlinked", c.Name))
}
