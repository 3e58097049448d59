package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/portal/openapi"
	"github.com/poslink/poslink/internal/tenancy"
)

// APIPrefix is where the viewer JSON API is served.
const APIPrefix = "/api/v1"

// The API's refusals of credentials. What is wrong with a token itself
// comes from apitoken.
var (
	errAPIAuthRequired = apperr.New(apperr.Unauthorized, "err.api_auth_required")
	errAPIAuthScheme   = apperr.New(apperr.Unauthorized, "err.api_auth_scheme")
	errAPIOwnerOnly    = apperr.New(apperr.Forbidden, "err.api_owner_only")
)

// apiRoutes mounts the viewer JSON API: the same guards as the pages
// (cross-origin refusal, body limit, input check), errors as
// application/problem+json. It is read-only: GET only, any other method
// is 405, so a token can change nothing and a cookie-authenticated request
// from another site has nothing to forge.
func (s *Server) apiRoutes(r chi.Router) {
	r.Route(APIPrefix, func(r chi.Router) {
		r.Use(httpx.JSON, s.answers.CrossOrigin(s.site), httpx.LimitBody(maxBodyBytes), s.answers.CheckInput)
		r.NotFound(s.answers.NotFound)
		r.MethodNotAllowed(s.answers.MethodNotAllowed)
		r.Get("/openapi.json", s.openAPIDocument)
		r.Group(func(r chi.Router) {
			r.Use(s.sessions.LoadAndSave, s.loadUser, s.apiAuth)
			r.Get("/cameras", s.apiCameras)
			r.Get("/cameras/{cameraID}/transactions", s.apiCameraTransactions)
			r.Get("/cameras/{cameraID}/transactions/stream", s.apiCameraStream)
			r.Get("/transactions/{txnID}", s.apiTransactionDetail)
			r.Get("/transactions/{txnID}/thumbnail", s.apiThumbnail)
		})
	})
}

type ctxAPITenantKey struct{}

// apiTenant is the tenant an API request reads, set by apiAuth.
func apiTenant(ctx context.Context) int64 {
	id, _ := ctx.Value(ctxAPITenantKey{}).(int64)
	return id
}

// apiAuth decides whose data an API request reads: a bearer token's
// tenant, or the tenant of an owner logged in to the portal. A request
// with an Authorization header is judged by it alone. Staff are refused:
// the viewer is the owners'; staff read tenants in the support console.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenantID, err := s.apiCredentials(r)
		if err != nil {
			if apperr.KindOf(err) == apperr.Unauthorized {
				challenge := `Bearer realm="poslink"`
				if r.Header.Get("Authorization") != "" {
					challenge += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
			}
			s.respond(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxAPITenantKey{}, tenantID)))
	})
}

func (s *Server) apiCredentials(r *http.Request) (int64, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return 0, errAPIAuthScheme
		}
		p, err := s.deps.Tokens.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			return 0, err
		}
		return p.TenantID, nil
	}
	switch u := currentUser(r.Context()); {
	case u == nil:
		return 0, errAPIAuthRequired
	case u.Role != tenancy.RoleOwner:
		return 0, errAPIOwnerOnly
	default:
		return u.TenantID, nil
	}
}

// writeJSON answers v as JSON. The API's answers are a tenant's data:
// never stored by a cache.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		httpx.Logger(r.Context()).Warn("write JSON", "err", err)
	}
}

// openAPIDocument serves the API's OpenAPI document, the same for every
// reader, to anyone: it says how to ask, never what is there.
func (s *Server) openAPIDocument(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapi.Document)
}

// apiCamera is a camera as the API answers it.
type apiCamera struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	DeviceID  string       `json:"device_id"`
	Model     string       `json:"model"`
	POSOption apiPOSOption `json:"pos_option"`
}

// apiPOSOption is a camera's POS option on the operator's current day.
type apiPOSOption struct {
	State      string `json:"state"`
	UsableFrom string `json:"usable_from,omitempty"`
}

var posStateNames = map[tenancy.POSState]string{tenancy.POSOff: "off", tenancy.POSWaiting: "waiting", tenancy.POSUsable: "usable"}

// apiCameras is GET /api/v1/cameras: the tenant's cameras by ID.
func (s *Server) apiCameras(w http.ResponseWriter, r *http.Request) {
	cams, err := s.deps.Tenancy.Cameras(r.Context(), apiTenant(r.Context()))
	if err != nil {
		s.respond(w, r, err)
		return
	}
	today := s.deps.Tenancy.Today()
	out := struct {
		Cameras []apiCamera `json:"cameras"`
	}{Cameras: make([]apiCamera, 0, len(cams))}
	for _, c := range cams {
		pos := apiPOSOption{State: posStateNames[c.POSStateOn(today)]}
		if c.POSEnabled {
			pos.UsableFrom = c.POSUsableFrom.Format(time.DateOnly)
		}
		out.Cameras = append(out.Cameras, apiCamera{ID: c.ID, Name: c.Name, DeviceID: c.DeviceID, Model: c.Model, POSOption: pos})
	}
	writeJSON(w, r, out)
}

// apiCameraStream is the camera's new and changed transactions as
// server-sent events, the dashboard page's stream for the viewer: another
// tenant's camera is not found.
func (s *Server) apiCameraStream(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "cameraID")
	if !ok {
		return
	}
	tenantID := apiTenant(r.Context())
	if _, err := s.deps.Tenancy.Camera(r.Context(), tenantID, id); err != nil {
		s.respond(w, r, err)
		return
	}
	after, err := resumeAfter(r)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	s.StreamTransactions(w, r, tenantID, id, after)
}
