package smaregi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// adminMux serves the control endpoints (JSON):
//
//	GET    /_sim/                               state summary
//	GET|POST /_sim/clock                        the shared clock handler
//	GET|PUT|DELETE /_sim/faults                 the shared fault handler
//	GET    /_sim/contracts                      explicit contracts
//	POST   /_sim/contracts                      create (ContractSpec) → 201 Contract
//	GET    /_sim/contracts/{id}                 one contract (explicit or synthetic)
//	DELETE /_sim/contracts/{id}                 delete an explicit contract
//	POST   /_sim/contracts/{id}/secret          reissue the client secret → {"client_secret"}
//	DELETE /_sim/contracts/{id}/secret          revoke the client secret
//	POST   /_sim/contracts/{id}/revoke-tokens   revoke every token issued so far
//	PUT    /_sim/contracts/{id}/rate-limit      {"per_second": n} (0 default, < 0 unlimited)
//	PUT    /_sim/contracts/{id}/scopes          {"scopes": [...]}
//	DELETE /_sim/contracts/{id}/transactions/{tid}  delete a transaction (取引削除)
//	GET|PUT /_sim/synthetic                     the synthetic range (Synthetic)
//	GET    /_sim/synthetic/{n}                  synthetic contract n
//
// The control endpoints show secrets: they are the simulated developer
// console, never exposed beside the portal.
func (s *Server) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/_sim/clock", s.clock)
	mux.Handle("/_sim/faults", s.faults)
	mux.HandleFunc("GET /_sim/{$}", s.adminIndex)
	mux.HandleFunc("GET /_sim/contracts", func(w http.ResponseWriter, _ *http.Request) {
		adminJSON(w, http.StatusOK, s.Contracts())
	})
	mux.HandleFunc("POST /_sim/contracts", func(w http.ResponseWriter, r *http.Request) {
		var spec ContractSpec
		if !decodeAdmin(w, r, &spec) {
			return
		}
		c, err := s.CreateContract(spec)
		if err != nil {
			adminError(w, err)
			return
		}
		adminJSON(w, http.StatusCreated, c)
	})
	mux.HandleFunc("GET /_sim/contracts/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.Contract(r.PathValue("id"))
		if !ok {
			adminError(w, ErrNotFound)
			return
		}
		adminJSON(w, http.StatusOK, c)
	})
	mux.HandleFunc("DELETE /_sim/contracts/{id}", func(w http.ResponseWriter, r *http.Request) {
		adminDone(w, s.DeleteContract(r.PathValue("id")))
	})
	mux.HandleFunc("POST /_sim/contracts/{id}/secret", func(w http.ResponseWriter, r *http.Request) {
		secret, err := s.ReissueSecret(r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		adminJSON(w, http.StatusOK, struct {
			ClientSecret string `json:"client_secret"`
		}{secret})
	})
	mux.HandleFunc("DELETE /_sim/contracts/{id}/secret", func(w http.ResponseWriter, r *http.Request) {
		adminDone(w, s.RevokeSecret(r.PathValue("id")))
	})
	mux.HandleFunc("POST /_sim/contracts/{id}/revoke-tokens", func(w http.ResponseWriter, r *http.Request) {
		adminDone(w, s.RevokeTokens(r.PathValue("id")))
	})
	mux.HandleFunc("PUT /_sim/contracts/{id}/rate-limit", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PerSecond *int `json:"per_second"`
		}
		if !decodeAdmin(w, r, &body) {
			return
		}
		if body.PerSecond == nil {
			adminError(w, errors.Join(ErrInvalid, errors.New("per_second is required")))
			return
		}
		adminDone(w, s.SetRateLimit(r.PathValue("id"), *body.PerSecond))
	})
	mux.HandleFunc("PUT /_sim/contracts/{id}/scopes", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Scopes []string `json:"scopes"`
		}
		if !decodeAdmin(w, r, &body) {
			return
		}
		adminDone(w, s.SetScopes(r.PathValue("id"), body.Scopes))
	})
	mux.HandleFunc("DELETE /_sim/contracts/{id}/transactions/{tid}", func(w http.ResponseWriter, r *http.Request) {
		tid, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
		if err != nil {
			adminError(w, ErrNoTransaction)
			return
		}
		adminDone(w, s.DeleteTransaction(r.PathValue("id"), tid))
	})
	mux.HandleFunc("GET /_sim/synthetic", func(w http.ResponseWriter, _ *http.Request) {
		adminJSON(w, http.StatusOK, s.Synthetic())
	})
	mux.HandleFunc("PUT /_sim/synthetic", func(w http.ResponseWriter, r *http.Request) {
		var y Synthetic
		if !decodeAdmin(w, r, &y) {
			return
		}
		if err := s.SetSynthetic(y); err != nil {
			adminError(w, err)
			return
		}
		adminJSON(w, http.StatusOK, s.Synthetic())
	})
	mux.HandleFunc("GET /_sim/synthetic/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil {
			adminError(w, ErrNotFound)
			return
		}
		c, err := s.SyntheticContract(n)
		if err != nil {
			adminError(w, err)
			return
		}
		adminJSON(w, http.StatusOK, c)
	})
	return mux
}

// adminState is GET /_sim/.
type adminState struct {
	Now           time.Time `json:"now"`
	Contracts     int       `json:"contracts"`
	Synthetic     Synthetic `json:"synthetic"`
	RateLimit     int       `json:"rate_limit"`
	LegacyCutover time.Time `json:"legacy_cutover"`
}

func (s *Server) adminIndex(w http.ResponseWriter, _ *http.Request) {
	s.mu.RLock()
	st := adminState{Now: s.clock.Now(), Contracts: len(s.explicit), Synthetic: s.synth, RateLimit: s.rateLimit, LegacyCutover: s.cutover}
	s.mu.RUnlock()
	adminJSON(w, http.StatusOK, st)
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminJSON(w, http.StatusBadRequest, adminErr{"request body: " + err.Error()})
		return false
	}
	return true
}

type adminErr struct {
	Error string `json:"error"`
}

func adminError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, ErrNotFound) {
		status = http.StatusNotFound
	}
	adminJSON(w, status, adminErr{err.Error()})
}

func adminDone(w http.ResponseWriter, err error) {
	if err != nil {
		adminError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode"}`)
	}
	writeJSON(w, status, append(b, '\n'))
}
