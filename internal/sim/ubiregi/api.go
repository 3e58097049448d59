package ubiregi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The WWW-Authenticate values of the API (pos-apis.md §1.1), verbatim.
const (
	authInvalid = `Bearer error="invalid_token"`
	authExpired = `Bearer error="invalid_token",expired=true`
	// ASSUMPTION: a request without a token gets a bare challenge, as RFC
	// 6750 §3.1 asks; Ubiregi documents only the two cases above.
	authMissing = `Bearer realm="Ubiregi"`
)

// apiRequest is an authenticated API request.
type apiRequest struct {
	acct Account
	now  time.Time
}

// authed wraps an API handler with what every API request goes through:
// the bearer token (401), the token's rate limit (429) and the account's
// subscription (402).
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, apiRequest)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.clock.Now()
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", authMissing)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		acct, status, retry := s.admit(token, now)
		switch status {
		case 0:
		case http.StatusUnauthorized, -http.StatusUnauthorized:
			hdr, msg := authInvalid, "invalid access token"
			if status < 0 {
				hdr, msg = authExpired, "access token expired"
			}
			w.Header().Set("WWW-Authenticate", hdr)
			writeError(w, http.StatusUnauthorized, msg)
			return
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded")
			return
		case http.StatusPaymentRequired:
			writeError(w, http.StatusPaymentRequired, "the subscriptions of the account are all expired")
			return
		}
		h(w, r, apiRequest{acct: acct, now: now})
	}
}

// admit checks the token at now. It returns the token's account, or the
// status to refuse with (−401 for an expired token) and, for 429, the
// seconds to wait.
func (s *Server) admit(token string, now time.Time) (Account, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := s.tokens[token]
	if !ok || ref.refresh {
		return Account{}, http.StatusUnauthorized, 0
	}
	g := ref.g
	if !now.Before(g.accessExp) {
		return Account{}, -http.StatusUnauthorized, 0
	}
	a := s.accountLocked(g.accountID)
	if a == nil {
		return Account{}, http.StatusUnauthorized, 0
	}
	if r := s.rate; r.PerSecond > 0 {
		if dt := now.Sub(g.bucketAt).Seconds(); dt > 0 {
			g.bucket = math.Min(float64(r.Burst), g.bucket+dt*r.PerSecond)
			g.bucketAt = now
		}
		if g.bucket < 1 {
			return Account{}, http.StatusTooManyRequests, int(math.Ceil((1 - g.bucket) / r.PerSecond))
		}
		g.bucket--
	}
	if s.expired[a.ID] {
		return Account{}, http.StatusPaymentRequired, 0
	}
	return *a, 0, 0
}

// bearer extracts the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// faultResponder writes injected faults in the format of the endpoint hit:
// the API's reason array, RFC 6749 JSON at the token endpoint, a page at
// the consent page.
type faultResponder struct{ s *Server }

func (f faultResponder) Fault(w http.ResponseWriter, r *http.Request, status int, _ time.Duration) {
	msg := "service unavailable"
	if status == http.StatusTooManyRequests {
		msg = "rate limit exceeded"
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/oauth2/token"):
		code := "temporarily_unavailable"
		if status < 500 && status != http.StatusTooManyRequests {
			code = "invalid_request"
		}
		writeOAuthError(w, status, code, msg)
	case strings.HasPrefix(r.URL.Path, "/oauth2/"):
		writeHTML(w, status, errorTmpl, "ただいまサービスをご利用いただけません。しばらくしてからもう一度お試しください。")
	default:
		writeError(w, status, msg)
	}
}
