package ubiregi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The simulator's own cookies, on its own origin as ubiregi.com's are.
const (
	sessionCookie = "_ubiregi_session" // who is logged in
	browserCookie = "_ubiregi_browser" // binds a consent form to its browser
	sessionTTL    = 14 * 24 * time.Hour
	pendingTTL    = 30 * time.Minute
)

// session is a logged-in browser.
type session struct {
	accountID int64
	expires   time.Time
}

// pendingAuth is an authorization request waiting on the consent page.
// The form carries only its id; everything else stays on the server, so
// a forged POST can change nothing but the decision, and only from the
// browser that opened the page.
type pendingAuth struct {
	clientID    string
	redirectURI string
	explicit    bool
	state       string
	challenge   string
	method      string
	forceLogin  bool
	mobile      bool
	browser     string
	expires     time.Time
}

type consentKey struct {
	accountID int64
	clientID  string
}

// handleAuthorize is GET /oauth2/authorize: the consent page, or straight
// back to the client when the browser's user has consented before.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := s.client(q.Get("client_id"))
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "アプリケーションが見つかりません。client_id を確認してください。")
		return
	}
	redirect := q.Get("redirect_uri")
	explicit := redirect != ""
	switch {
	case !explicit && len(c.RedirectURIs) == 1:
		redirect = c.RedirectURIs[0]
	case !slices.Contains(c.RedirectURIs, redirect):
		// Never redirect to an address the app did not register.
		s.errorPage(w, http.StatusBadRequest, "redirect_uri がアプリケーションに登録されたものと一致しません。")
		return
	}
	state := q.Get("state")
	if q.Get("response_type") != "code" {
		redirectWith(w, r, redirect, url.Values{"error": {"unsupported_response_type"}}, state)
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" {
		if method == "" {
			method = "plain"
		}
		if (method != "S256" && method != "plain") || !validPKCE(challenge) {
			redirectWith(w, r, redirect, url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge or code_challenge_method is invalid"}}, state)
			return
		}
	}
	// ASSUMPTION: [pos-apis.md §5 #1] scope is accepted and ignored;
	// Ubiregi has a single level of authorization.
	p := &pendingAuth{
		clientID: c.ID, redirectURI: redirect, explicit: explicit, state: state,
		challenge: challenge, method: method,
		forceLogin: boolParam(q.Get("force_login")), mobile: boolParam(q.Get("mobile")),
		browser: s.browserID(w, r),
	}
	now := s.clock.Now()
	acct, loggedIn := s.sessionAccount(r, now)
	// Documented: re-authorizing skips the "Authorize" button unless
	// force_authorize.
	// ASSUMPTION: the skip needs a login session on this browser (a cookie
	// on the simulator's origin, 14 days); a browser without one gets the
	// page, whose 許可する doubles as the login button.
	if loggedIn && !p.forceLogin && !boolParam(q.Get("force_authorize")) && s.consented(acct.ID, c.ID) {
		s.finish(w, r, p, acct.ID, now)
		return
	}
	p.expires = now.Add(pendingTTL)
	id := newSecret()
	s.mu.Lock()
	s.pruneLocked(now)
	s.pending[id] = p
	s.mu.Unlock()
	page := consentPage{Client: c, RequestID: id, Mobile: p.mobile}
	if loggedIn && !p.forceLogin {
		page.LoggedInAs = acct.Login
	}
	s.renderConsent(w, http.StatusOK, page)
}

// handleAuthorizeForm is POST /oauth2/authorize: 許可する or 許可しない.
func (s *Server) handleAuthorizeForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "フォームを読み取れませんでした。アプリからもう一度やり直してください。")
		return
	}
	now := s.clock.Now()
	id := r.PostForm.Get("request_id")
	s.mu.Lock()
	p, ok := s.pending[id]
	if ok && now.After(p.expires) {
		delete(s.pending, id)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "このリクエストは無効か、有効期限が切れています。アプリからもう一度やり直してください。")
		return
	}
	if ck, err := r.Cookie(browserCookie); err != nil || !constantTimeEqual(ck.Value, p.browser) {
		s.errorPage(w, http.StatusForbidden, "このリクエストは別のブラウザで開始されました。アプリからもう一度やり直してください。")
		return
	}
	c, ok := s.client(p.clientID)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "アプリケーションが見つかりません。")
		return
	}
	switch r.PostForm.Get("decision") {
	case "deny":
		s.dropPending(id)
		s.log.Info("ubiregi sim: authorization denied", "client_id", c.ID)
		redirectWith(w, r, p.redirectURI, url.Values{"error": {"access_denied"}}, p.state)
		return
	case "allow":
	default:
		s.errorPage(w, http.StatusBadRequest, "「許可する」または「許可しない」を選んでください。")
		return
	}
	acct, loggedIn := s.sessionAccount(r, now)
	if !loggedIn || p.forceLogin || r.PostForm.Has("login") {
		var good bool
		acct, good = s.authenticate(r.PostForm.Get("login"), r.PostForm.Get("password"))
		if !good {
			s.log.Info("ubiregi sim: login failed on the consent page", "client_id", c.ID)
			s.renderConsent(w, http.StatusOK, consentPage{
				Client: c, RequestID: id, Mobile: p.mobile, Login: r.PostForm.Get("login"),
				Error: "メールアドレスまたはアカウント名、パスワードが正しくありません。",
			})
			return
		}
		s.startSession(w, r, acct.ID, now)
	}
	s.dropPending(id)
	s.mu.Lock()
	s.consents[consentKey{acct.ID, c.ID}] = struct{}{}
	s.mu.Unlock()
	s.finish(w, r, p, acct.ID, now)
}

// finish issues an authorization code and sends the browser back.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, p *pendingAuth, accountID int64, now time.Time) {
	code := newSecret()
	s.mu.Lock()
	s.pruneLocked(now)
	s.codes[code] = &authCode{
		clientID: p.clientID, accountID: accountID, redirectURI: p.redirectURI, explicit: p.explicit,
		challenge: p.challenge, method: p.method, expires: now.Add(codeTTL),
	}
	s.mu.Unlock()
	s.log.Info("ubiregi sim: authorized", "client_id", p.clientID, "account_id", accountID)
	redirectWith(w, r, p.redirectURI, url.Values{"code": {code}}, p.state)
}

func (s *Server) dropPending(id string) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

func (s *Server) consented(accountID int64, clientID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.consents[consentKey{accountID, clientID}]
	return ok
}

// sessionAccount is the account logged in on this browser, if any.
func (s *Server) sessionAccount(r *http.Request, now time.Time) (Account, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return Account{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[ck.Value]
	if !ok || now.After(ss.expires) {
		return Account{}, false
	}
	a := s.accountLocked(ss.accountID)
	if a == nil {
		return Account{}, false
	}
	return *a, true
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, accountID int64, now time.Time) {
	id := newSecret()
	s.mu.Lock()
	if ck, err := r.Cookie(sessionCookie); err == nil {
		delete(s.sessions, ck.Value) // a login replaces the old session
	}
	s.sessions[id] = session{accountID: accountID, expires: now.Add(sessionTTL)}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second),
	})
}

// browserID returns the browser's id cookie, setting one if it has none.
func (s *Server) browserID(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(browserCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	id := newSecret()
	http.SetCookie(w, &http.Cookie{
		Name: browserCookie, Value: id, Path: "/oauth2/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil,
	})
	return id
}

// redirectWith sends the browser to the client's redirect URI with the
// parameters and the state added to its query.
func redirectWith(w http.ResponseWriter, r *http.Request, redirect string, params url.Values, state string) {
	u, err := url.Parse(redirect)
	if err != nil { // registered URIs were parsed at registration
		http.Error(w, "bad redirect URI", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// boolParam reads Ubiregi's boolean query parameters (force_login, …).
func boolParam(v string) bool {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}
