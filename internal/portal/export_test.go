package portal

import "github.com/go-chi/chi/v5"

// WalkRoutes calls fn for every route of the portal, so that tests that
// must cover every route fail when one is added that they do not know.
func WalkRoutes(s *Server, fn chi.WalkFunc) error { return chi.Walk(s.router, fn) }
