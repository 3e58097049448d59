package ubiregi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// adminRoutes is the control API under /_sim/ (JSON in, JSON out):
//
//	GET|PUT|DELETE /_sim/faults              fault.Settings (the shared injector)
//	GET|POST       /_sim/clock               {"set","advance","freeze"} (the shared clock)
//	GET            /_sim/clients             [Client]
//	POST           /_sim/clients             Client → 201 Client
//	POST           /_sim/accounts            Account (id, login, email, password, name, devices, history_from) → 201 accountInfo
//	GET            /_sim/accounts/{id}       accountInfo (stored or synthetic, with its password)
//	PUT            /_sim/accounts/{id}/subscription  {"expired": bool}
//	POST           /_sim/accounts/{id}/revoke        → {"revoked": n}
//	GET|PUT        /_sim/synthetic           Synthetic {"first_id","count","devices"}
//	GET|PUT        /_sim/ratelimit           RateLimit {"per_second","burst"}
//	POST           /_sim/tokens              {"client_id","account_id"} → TokenResponse
//	POST           /_sim/revoke              {"token"} → 204
//
// Errors are {"error": "..."} with 400, 404 or 409.
func (s *Server) adminRoutes() http.Handler {
	m := http.NewServeMux()
	m.Handle("/_sim/faults", s.faults)
	m.Handle("/_sim/clock", s.clock)
	m.HandleFunc("GET /_sim/clients", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Clients())
	})
	m.HandleFunc("POST /_sim/clients", func(w http.ResponseWriter, r *http.Request) {
		var c Client
		if !decode(w, r, &c) {
			return
		}
		if err := s.RegisterClient(c); err != nil {
			adminError(w, err)
			return
		}
		c, _ = s.client(c.ID)
		writeJSON(w, http.StatusCreated, c)
	})
	m.HandleFunc("POST /_sim/accounts", func(w http.ResponseWriter, r *http.Request) {
		var a Account
		if !decode(w, r, &a) {
			return
		}
		a, err := s.CreateAccount(a)
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, s.accountInfo(a))
	})
	m.HandleFunc("GET /_sim/accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.pathAccount(w, r)
		if ok {
			writeJSON(w, http.StatusOK, s.accountInfo(a))
		}
	})
	m.HandleFunc("PUT /_sim/accounts/{id}/subscription", func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.pathAccount(w, r)
		var body struct {
			Expired bool `json:"expired"`
		}
		if !ok || !decode(w, r, &body) {
			return
		}
		if err := s.SetExpired(a.ID, body.Expired); err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, body)
	})
	m.HandleFunc("POST /_sim/accounts/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := s.pathAccount(w, r); ok {
			writeJSON(w, http.StatusOK, struct {
				Revoked int `json:"revoked"`
			}{s.RevokeAccount(a.ID)})
		}
	})
	m.HandleFunc("GET /_sim/synthetic", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		v := s.synthetic
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	})
	m.HandleFunc("PUT /_sim/synthetic", func(w http.ResponseWriter, r *http.Request) {
		var v Synthetic
		if !decode(w, r, &v) {
			return
		}
		if err := s.SetSynthetic(v); err != nil {
			adminError(w, err)
			return
		}
		s.mu.Lock()
		v = s.synthetic
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	})
	m.HandleFunc("GET /_sim/ratelimit", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		v := s.rate
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	})
	m.HandleFunc("PUT /_sim/ratelimit", func(w http.ResponseWriter, r *http.Request) {
		var v RateLimit
		if !decode(w, r, &v) {
			return
		}
		if err := s.SetRateLimit(v); err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	m.HandleFunc("POST /_sim/tokens", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ClientID  string `json:"client_id"`
			AccountID int64  `json:"account_id"`
		}
		if !decode(w, r, &body) {
			return
		}
		tok, err := s.IssueToken(body.ClientID, body.AccountID)
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, tok)
	})
	m.HandleFunc("POST /_sim/revoke", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Token string `json:"token"`
		}
		if !decode(w, r, &body) {
			return
		}
		if err := s.RevokeToken(body.Token); err != nil {
			adminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, adminErr{"no such control endpoint (or method): " + r.Method + " " + r.URL.Path})
	})
	return m
}

// accountInfo is an account as the control API shows it: with its
// password (this is a simulator) and its devices.
type accountInfo struct {
	Account
	DeviceList []deviceJSON `json:"device_list"`
	Expired    bool         `json:"expired"`
}

func (s *Server) accountInfo(a Account) accountInfo {
	st := newStore(s.cfg.Seed, a)
	info := accountInfo{Account: a, DeviceList: st.accountJSON(s.clock.Now()).Devices}
	s.mu.Lock()
	info.Expired = s.expired[a.ID]
	s.mu.Unlock()
	return info
}

func (s *Server) pathAccount(w http.ResponseWriter, r *http.Request) (Account, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, adminErr{"account id must be an integer"})
		return Account{}, false
	}
	a, ok := s.Account(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, adminErr{fmt.Sprintf("no account %d", id)})
		return Account{}, false
	}
	return a, true
}

type adminErr struct {
	Error string `json:"error"`
}

func adminError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrConflict):
		status = http.StatusConflict
	}
	writeJSON(w, status, adminErr{err.Error()})
}

// decode reads a JSON body into v, refusing unknown fields and trailing
// data; it answers 400 itself when it fails.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, adminErr{"bad JSON body: " + err.Error()})
		return false
	}
	return true
}
