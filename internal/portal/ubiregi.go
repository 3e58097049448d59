package portal

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/i18n"
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
	r.Get("/ubiregi", s.ubiregiPage)
	// A link, not a form: a form posting to the portal and redirecting to
	// Ubiregi would be stopped by the CSP's form-action 'self'. Starting
	// a consent changes nothing but this session's pending state.
	r.Get("/ubiregi/connect", s.ubiregiConnect)
	r.Get(UbiregiCallbackPath, s.ubiregiCallback)
	r.Post("/ubiregi/{connID}/bind", s.ubiregiBind)
	r.Get("/ubiregi/{connID}/unbind", s.ubiregiUnbindConfirm)
	r.Post("/ubiregi/{connID}/unbind", s.ubiregiUnbind)
	r.Get("/ubiregi/{connID}/delete", s.ubiregiUnlinkConfirm)
	r.Post("/ubiregi/{connID}/delete", s.ubiregiUnlink)
}

func ubiregiActor(r *http.Request) audit.Actor {
	u := currentUser(r.Context())
	return audit.Actor{UserID: u.ID, Label: u.Email}
}

func ubiregiConnPath(id int64) string {
	return "/ubiregi#conn-" + strconv.FormatInt(id, 10)
}

func (s *Server) ubiregiPage(w http.ResponseWriter, r *http.Request) {
	s.renderUbiregi(w, r, http.StatusOK, nil)
}

// ubiregiConnect starts a consent: a new state and PKCE verifier kept in
// the session, and the browser sent to Ubiregi's consent page. A second
// start replaces the first, whose callback is then refused.
func (s *Server) ubiregiConnect(w http.ResponseWriter, r *http.Request) {
	state, verifier := ubiregilink.NewConsent()
	ctx := r.Context()
	s.sessions.Put(ctx, sessUbiregiState, state)
	s.sessions.Put(ctx, sessUbiregiVerifier, verifier)
	// Seconds, as an int: the session codec (gob) knows no time.Time.
	s.sessions.Put(ctx, sessUbiregiStarted, int(time.Now().Unix()))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.deps.Ubiregi.AuthURL(state, verifier), http.StatusSeeOther)
}

// popUbiregiConsent takes the pending consent out of the session, so that a
// state is good for one callback only; ok is false when there is none
// (or it is too old).
func (s *Server) popUbiregiConsent(r *http.Request) (state, verifier string, ok bool) {
	ctx := r.Context()
	state = s.sessions.PopString(ctx, sessUbiregiState)
	verifier = s.sessions.PopString(ctx, sessUbiregiVerifier)
	started := time.Unix(int64(s.sessions.PopInt(ctx, sessUbiregiStarted)), 0)
	return state, verifier, state != "" && verifier != "" && time.Since(started) < ubiregiConsentTTL
}

var errUbiregiState = apperr.New(apperr.Invalid, "err.ubiregi_state")

// ubiregiCallback is where Ubiregi sends the owner back with a code (許可する)
// or an error (許可しない). The state must be the one this session started
// with; then the code is exchanged and the account linked. Either way the
// owner lands on the settings page with a message.
func (s *Server) ubiregiCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, verifier, pending := s.popUbiregiConsent(r)
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
		conn, err = s.deps.Ubiregi.Complete(r.Context(), ubiregiActor(r), currentUser(r.Context()).TenantID, q.Get("code"), verifier)
	}
	lang := langOf(r.Context())
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Internal {
			s.serverError(w, r, err)
			return
		}
		// The cause names no code, state or token.
		s.logger(r.Context()).Info("ubiregi consent not completed", "reason", e.Key, "err", err)
		s.flash(r, "error", i18n.T(lang, e.Key, e.Args...))
		http.Redirect(w, r, "/ubiregi", http.StatusSeeOther)
		return
	}
	key := "flash.ubiregi_linked"
	if conn.Renewed() {
		key = "flash.ubiregi_relinked"
	}
	s.flash(r, "ok", i18n.T(lang, key, conn.Name))
	http.Redirect(w, r, ubiregiConnPath(conn.ID), http.StatusSeeOther)
}

// ubiregiRefusal is a form the page refused, shown on the page again: the
// message at the row of the terminal, or at the top.
type ubiregiRefusal struct {
	connID   int64
	terminal string
	camera   int64
	message  string
}

// ubiregiRefuse answers a refused form: 404 for a connection that is not
// the tenant's, the settings page with the message for the owner's
// mistakes and Ubiregi's failures, 500 for the rest.
func (s *Server) ubiregiRefuse(w http.ResponseWriter, r *http.Request, err error, ref ubiregiRefusal) {
	e, ok := apperr.As(err)
	switch {
	case errors.Is(err, link.ErrNotFound):
		s.notFound(w, r)
	case !ok || e.Kind == apperr.Internal:
		s.serverError(w, r, err)
	default:
		ref.message = i18n.T(langOf(r.Context()), e.Key, e.Args...)
		s.renderUbiregi(w, r, statusOf(e.Kind), &ref)
	}
}

// ubiregiConn reads the connection ID of the URL; when it answers false it
// has already answered 404.
func (s *Server) ubiregiConn(w http.ResponseWriter, r *http.Request) (link.Connection, bool) {
	return ownedByPath(s, w, r, "connID", s.deps.Ubiregi.Connection)
}

// ubiregiForm reads the connection ID of the URL and the posted form; when
// it answers false it has already answered (404, or 400 for a bad body).
func (s *Server) ubiregiForm(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(r, "connID")
	if !ok {
		s.notFound(w, r)
		return 0, false
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadRequest)
		return 0, false
	}
	return id, true
}

// ubiregiBind is 更新 on a row: the terminal feeds the chosen camera.
func (s *Server) ubiregiBind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.ubiregiForm(w, r)
	if !ok {
		return
	}
	terminal := r.PostForm.Get("terminal")
	cameraID, _ := link.ParseID(r.PostForm.Get("camera"))
	u := currentUser(r.Context())
	t, err := s.deps.Ubiregi.Bind(r.Context(), ubiregiActor(r), u.TenantID, id, terminal, cameraID)
	if err != nil {
		s.ubiregiRefuse(w, r, err, ubiregiRefusal{connID: id, terminal: terminal, camera: cameraID})
		return
	}
	cam, err := s.deps.Tenancy.Camera(r.Context(), u.TenantID, cameraID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "ok", i18n.T(langOf(r.Context()), "flash.ubiregi_bound", ubiregiTerminalLabel(t), cam.Name))
	http.Redirect(w, r, ubiregiConnPath(id), http.StatusSeeOther)
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
// It changes nothing, so it is a GET: the page works without JavaScript
// and a reload is harmless.
func (s *Server) ubiregiUnbindConfirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok {
		return
	}
	keys := r.URL.Query()["terminal"]
	if len(keys) == 0 {
		s.flash(r, "error", i18n.T(langOf(r.Context()), "err.ubiregi_unbind_none"))
		http.Redirect(w, r, ubiregiConnPath(c.ID), http.StatusSeeOther)
		return
	}
	v, err := s.ubiregiUnbindView(r, c, keys)
	if err != nil {
		s.ubiregiRefuse(w, r, err, ubiregiRefusal{connID: c.ID})
		return
	}
	s.render(w, r, http.StatusOK, views.UbiregiUnbindPage(s.page(r, "ubiregi.unbind_title"), v))
}

func (s *Server) ubiregiUnbind(w http.ResponseWriter, r *http.Request) {
	id, ok := s.ubiregiForm(w, r)
	if !ok {
		return
	}
	n, err := s.deps.Ubiregi.Unbind(r.Context(), ubiregiActor(r), currentUser(r.Context()).TenantID, id, r.PostForm["terminal"])
	if err != nil {
		s.ubiregiRefuse(w, r, err, ubiregiRefusal{connID: id})
		return
	}
	s.flash(r, "ok", i18n.T(langOf(r.Context()), "flash.ubiregi_unbound", n))
	http.Redirect(w, r, ubiregiConnPath(id), http.StatusSeeOther)
}

// ubiregiUnlinkConfirm is the confirmation step of アカウント連携を解除.
func (s *Server) ubiregiUnlinkConfirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok {
		return
	}
	bs, err := s.deps.Links.Bindings(r.Context(), c.TenantID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, ubiregiUnlinkPage(s.page(r, "ubiregi.unlink_title"), c, len(bs)))
}

func (s *Server) ubiregiUnlink(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ubiregiConn(w, r)
	if !ok {
		return
	}
	if err := s.deps.Ubiregi.Delete(r.Context(), ubiregiActor(r), c.TenantID, c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", i18n.T(langOf(r.Context()), "flash.ubiregi_unlinked", c.Name))
	http.Redirect(w, r, "/ubiregi", http.StatusSeeOther)
}
