package ubiregi

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Client is an app registered on the developer dashboard: what the token
// endpoint authenticates and what the consent page shows.
type Client struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret,omitempty"`
	// RedirectURIs are compared exactly with the redirect_uri parameter.
	// Ubiregi allows one per app; the simulator takes several so one
	// client can serve tests on random ports.
	RedirectURIs []string `json:"redirect_uris"`
	// Name, Developer, Website and Description are shown on the consent
	// page (アプリ名, 開発者, Webサイト, 説明).
	Name        string `json:"name"`
	Developer   string `json:"developer"`
	Website     string `json:"website"`
	Description string `json:"description"`
	// Public clients have no secret: they send client_id in the form (or
	// as the Basic user with an empty password).
	Public bool `json:"public"`
}

// RegisterClient adds the app, or replaces the app with the same ID.
func (s *Server) RegisterClient(c Client) error {
	c.ID = strings.TrimSpace(c.ID)
	switch {
	case c.ID == "":
		return fmt.Errorf("client: client_id is required: %w", ErrInvalid)
	case !c.Public && c.Secret == "":
		return fmt.Errorf("client %s: client_secret is required unless public: %w", c.ID, ErrInvalid)
	case len(c.RedirectURIs) == 0:
		return fmt.Errorf("client %s: at least one redirect URI is required: %w", c.ID, ErrInvalid)
	}
	for _, ru := range c.RedirectURIs {
		u, err := url.Parse(ru)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			return fmt.Errorf("client %s: redirect URI %q must be an absolute http(s) URL without fragment: %w", c.ID, ru, ErrInvalid)
		}
	}
	if c.Public {
		c.Secret = ""
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = &c
	s.log.Info("ubiregi sim: client registered", "client_id", c.ID, "name", c.Name, "public", c.Public)
	return nil
}

// Clients lists the registered apps by client_id.
func (s *Server) Clients() []Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Client) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return Client{}, false
	}
	return *c, true
}
