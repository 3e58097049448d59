package smaregi

import (
	"fmt"
	"time"
)

// Synthetic is a range of contracts computed from the seed on demand:
// contract n's ID, credentials, stores and registers follow from (seed, n)
// by formula, so a benchmark can have tens of thousands of registers while
// the server holds nothing per contract. Only contracts changed through the
// control API (secret reissued, rate limit set, …) are stored.
type Synthetic struct {
	Contracts            int `json:"contracts"`
	TerminalsPerContract int `json:"terminals_per_contract"` // default 2
	StoresPerContract    int `json:"stores_per_contract"`    // default 1
	// Since is every synthetic register's first day (default 2025-10-01 JST).
	Since time.Time `json:"since"`
}

// Synthetic IDs are "skz", three digits, a letter and a digit: the shape of
// real contract IDs, in a corner generated explicit contracts never use.
const (
	synthSpace = 260_000
	synthMul   = 104_729 // a prime, so n → n·synthMul mod synthSpace is a permutation
)

// synthInv undoes the multiplication by synthMul modulo synthSpace.
var synthInv = func() uint64 {
	// Extended Euclid; synthMul and synthSpace are coprime.
	t, newT, r, newR := int64(0), int64(1), int64(synthSpace), int64(synthMul)
	for newR != 0 {
		q := r / newR
		t, newT = newT, t-q*newT
		r, newR = newR, r-q*newR
	}
	if t < 0 {
		t += synthSpace
	}
	return uint64(t)
}()

// MaxSynthetic is how many synthetic contracts the ID shape allows.
const MaxSynthetic = synthSpace

func (y Synthetic) withDefaults() Synthetic {
	if y.TerminalsPerContract == 0 {
		y.TerminalsPerContract = 2
	}
	if y.StoresPerContract == 0 {
		y.StoresPerContract = 1
	}
	if y.Since.IsZero() {
		y.Since = time.Date(2025, 10, 1, 0, 0, 0, 0, jst)
	}
	return y
}

func (y Synthetic) validate() error {
	switch {
	case y.Contracts < 0 || y.Contracts > MaxSynthetic:
		return fmt.Errorf("synthetic: contracts %d not within 0–%d: %w", y.Contracts, MaxSynthetic, ErrInvalid)
	case y.TerminalsPerContract < 1 || y.TerminalsPerContract > maxTerminals:
		return fmt.Errorf("synthetic: terminals_per_contract %d not within 1–%d: %w", y.TerminalsPerContract, maxTerminals, ErrInvalid)
	case y.StoresPerContract < 1 || y.StoresPerContract > y.TerminalsPerContract:
		return fmt.Errorf("synthetic: stores_per_contract %d not within 1–terminals_per_contract: %w", y.StoresPerContract, ErrInvalid)
	}
	return nil
}

// id is synthetic contract n's ID.
func (y Synthetic) id(seed uint64, n int) string {
	p := (uint64(n)*synthMul + draw(seed, pSynthOffset)%synthSpace) % synthSpace
	return fmt.Sprintf("skz%03d%c%d", p%1000, 'a'+byte(p/1000%26), p/26_000)
}

// number is the n of a synthetic contract ID, if it is one in the range.
func (y Synthetic) number(seed uint64, id string) (int, bool) {
	var d3, d1 uint64
	var l byte
	if len(id) != 8 || id[:3] != "skz" {
		return 0, false
	}
	if _, err := fmt.Sscanf(id[3:], "%03d%c%1d", &d3, &l, &d1); err != nil || l < 'a' || l > 'z' {
		return 0, false
	}
	p := d3 + uint64(l-'a')*1000 + d1*26_000
	off := draw(seed, pSynthOffset) % synthSpace
	n := (p + synthSpace - off) % synthSpace * synthInv % synthSpace
	if int(n) >= y.Contracts || y.id(seed, int(n)) != id {
		return 0, false
	}
	return int(n), true
}

// contract builds synthetic contract n.
func (y Synthetic) contract(seed uint64, n int) Contract {
	stores := make([]StoreSpec, y.StoresPerContract)
	for i := range y.TerminalsPerContract {
		stores[i%len(stores)].Terminals++
	}
	c := buildContract(seed, ContractSpec{Stores: stores}, y.id(seed, n), y.Since)
	c.Synthetic = true
	return c
}

// account is the synthetic contract with the ID, built for one request.
func (y Synthetic) account(seed uint64, id string) (*account, bool) {
	n, ok := y.number(seed, id)
	if !ok {
		return nil, false
	}
	a, err := newAccount(y.contract(seed, n), 0, 0)
	return a, err == nil
}

// SetSynthetic replaces the synthetic range. Contracts of the old range
// that were changed stay as explicit ones.
func (s *Server) SetSynthetic(y Synthetic) error {
	y = y.withDefaults()
	if err := y.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synth = y
	return nil
}

// Synthetic returns the synthetic range in force.
func (s *Server) Synthetic() Synthetic {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.synth
}

// SyntheticContract returns synthetic contract n (0-based), with any change
// made to it through the control API.
func (s *Server) SyntheticContract(n int) (Contract, error) {
	s.mu.RLock()
	y := s.synth
	s.mu.RUnlock()
	if n < 0 || n >= y.Contracts {
		return Contract{}, fmt.Errorf("synthetic contract %d of %d: %w", n, y.Contracts, ErrNotFound)
	}
	c, ok := s.Contract(y.id(s.seed, n))
	if !ok {
		return Contract{}, fmt.Errorf("synthetic contract %d: %w", n, ErrNotFound)
	}
	return c, nil
}
