package portal

import (
	"context"
	"net/http"
	"net/url"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/tenancy"
)

// Session keys.
const (
	sessUserID     = "user_id"
	sessEpoch      = "session_epoch"
	sessTenantName = "tenant_name"
	sessFlashKind  = "flash_kind"
	sessFlashText  = "flash_text"
)

// sessionUser is the logged-in user of a request.
type sessionUser struct {
	tenancy.User
	TenantName string
}

func currentUser(ctx context.Context) *sessionUser {
	u, _ := ctx.Value(ctxUser).(*sessionUser)
	return u
}

// loadUser reads the session's user from the database on every request, so
// that disabling a user or setting their password ends their sessions at once.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), sessUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.deps.Tenancy.User(r.Context(), id)
		if apperr.KindOf(err) == apperr.NotFound || (err == nil && (u.Disabled || u.SessionEpoch != s.sessions.GetInt(r.Context(), sessEpoch))) {
			if err := s.sessions.Destroy(r.Context()); err != nil {
				s.respond(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.respond(w, r, err)
			return
		}
		su := &sessionUser{User: u, TenantName: s.sessions.GetString(r.Context(), sessTenantName)}
		ctx := context.WithValue(r.Context(), ctxUser, su)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxAddress, s.clientIP(r))))
	})
}

// requireLogin sends anonymous visitors to the login page, remembering
// where they wanted to go.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r.Context()) == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) requireRole(role tenancy.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if currentUser(r.Context()).Role != role {
				s.respond(w, r, apperr.New(apperr.Forbidden, "err.forbidden"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (s *Server) requireOwner(next http.Handler) http.Handler {
	return s.requireRole(tenancy.RoleOwner)(next)
}

func (s *Server) requireStaff(next http.Handler) http.Handler {
	return s.requireRole(tenancy.RoleStaff)(next)
}
