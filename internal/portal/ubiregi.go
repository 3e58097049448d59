package portal

import "github.com/go-chi/chi/v5"

// ubiregiRoutes are the owner's Ubiregi連携設定 pages.
func (s *Server) ubiregiRoutes(r chi.Router) {}
