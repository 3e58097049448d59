package portal

import "github.com/go-chi/chi/v5"

// smaregiRoutes are the owner's スマレジ連携設定 pages.
func (s *Server) smaregiRoutes(r chi.Router) {}
