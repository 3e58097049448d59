package ubiregi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Account is a Ubiregi account: who logs in on the consent page, and whose
// devices (registers) make the checkouts.
type Account struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	// Devices is the number of registers, 1 to MaxDevices.
	Devices int `json:"devices"`
	// HistoryFrom is when the registers started selling.
	HistoryFrom time.Time `json:"history_from"`
	// Synthetic accounts are computed from the seed, not stored.
	Synthetic bool `json:"synthetic"`
}

// Errors of the control API.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// CreateAccount stores an account. A zero ID takes the next free one below
// the synthetic range; zero Devices means one; a zero HistoryFrom takes
// Config.HistoryFrom.
func (s *Server) CreateAccount(a Account) (Account, error) {
	a.Login, a.Email = strings.TrimSpace(a.Login), strings.TrimSpace(a.Email)
	if a.Devices == 0 {
		a.Devices = 1
	}
	switch {
	case a.Login == "" || a.Password == "":
		return a, fmt.Errorf("account: login and password are required: %w", ErrInvalid)
	case a.Devices < 1 || a.Devices > MaxDevices:
		return a, fmt.Errorf("account: devices must be 1 to %d: %w", MaxDevices, ErrInvalid)
	case a.ID < 0 || a.ID > 1<<40:
		return a, fmt.Errorf("account: id must be positive and below 2^40: %w", ErrInvalid)
	}
	if a.Name == "" {
		a.Name = a.Login
	}
	if a.HistoryFrom.IsZero() {
		a.HistoryFrom = s.cfg.HistoryFrom
	}
	a.HistoryFrom = a.HistoryFrom.UTC().Truncate(time.Second)
	a.Synthetic = false

	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == 0 {
		for {
			s.nextID++
			if r := s.synthetic; r.Count > 0 && s.nextID >= r.FirstID && s.nextID < r.FirstID+r.Count {
				s.nextID = r.FirstID + r.Count // jump over the synthetic range
			}
			if _, taken := s.accounts[s.nextID]; !taken {
				break
			}
		}
		a.ID = s.nextID
	}
	if s.accountLocked(a.ID) != nil {
		return a, fmt.Errorf("account: id %d is taken: %w", a.ID, ErrConflict)
	}
	for _, key := range loginKeys(a) {
		if _, ok := s.byLogin[key]; ok || s.syntheticByLoginLocked(key) != nil {
			return a, fmt.Errorf("account: login or email %q is taken: %w", key, ErrConflict)
		}
	}
	stored := a
	s.accounts[a.ID] = &stored
	for _, key := range loginKeys(a) {
		s.byLogin[key] = a.ID
	}
	s.log.Info("ubiregi sim: account created", "account_id", a.ID, "login", a.Login, "devices", a.Devices)
	return a, nil
}

// loginKeys are the names an account logs in with: its login as written
// and its e-mail address in lower case.
func loginKeys(a Account) []string {
	keys := []string{a.Login}
	if a.Email != "" && a.Email != a.Login {
		keys = append(keys, strings.ToLower(a.Email))
	}
	return keys
}

// Account returns the account with the id, stored or synthetic.
func (s *Server) Account(id int64) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(id)
	if a == nil {
		return Account{}, false
	}
	return *a, true
}

func (s *Server) accountLocked(id int64) *Account {
	if a, ok := s.accounts[id]; ok {
		return a
	}
	if a, ok := syntheticAccount(s.cfg.Seed, s.synthetic, s.cfg.HistoryFrom, id); ok {
		return &a
	}
	return nil
}

// authenticate finds the account a login (or e-mail) and password name.
func (s *Server) authenticate(login, password string) (Account, bool) {
	login = strings.TrimSpace(login)
	s.mu.Lock()
	defer s.mu.Unlock()
	var a *Account
	if id, ok := s.byLogin[login]; ok {
		a = s.accounts[id]
	} else if id, ok := s.byLogin[strings.ToLower(login)]; ok {
		a = s.accounts[id]
	} else {
		a = s.syntheticByLoginLocked(login)
	}
	// Compare even when nobody has the login, so a miss costs the same.
	want := "\x00no such account"
	if a != nil {
		want = a.Password
	}
	if a == nil || !constantTimeEqual(password, want) {
		return Account{}, false
	}
	return *a, true
}

// SyntheticAccount returns the synthetic account with the id, if the
// range holds it: benchmarks log in with its Login and Password.
func (s *Server) SyntheticAccount(id int64) (Account, bool) {
	s.mu.Lock()
	r := s.synthetic
	s.mu.Unlock()
	return syntheticAccount(s.cfg.Seed, r, s.cfg.HistoryFrom, id)
}

// syntheticLoginPrefix starts a synthetic account's login; its e-mail is
// the login at syntheticDomain.
const (
	syntheticLoginPrefix = "shop"
	syntheticDomain      = "@sim.ubiregi.example"
)

func (s *Server) syntheticByLoginLocked(login string) *Account {
	login = strings.TrimSuffix(strings.ToLower(login), syntheticDomain)
	digits, ok := strings.CutPrefix(login, syntheticLoginPrefix)
	if !ok || digits == "" || digits[0] == '0' {
		return nil
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return nil
	}
	if _, stored := s.accounts[id]; stored {
		return nil
	}
	a, ok := syntheticAccount(s.cfg.Seed, s.synthetic, s.cfg.HistoryFrom, id)
	if !ok {
		return nil
	}
	return &a
}

// syntheticAccount derives account id of the range by formula.
func syntheticAccount(seed uint64, r Synthetic, from time.Time, id int64) (Account, bool) {
	i := id - r.FirstID
	if r.Count == 0 || i < 0 || i >= r.Count {
		return Account{}, false
	}
	login := fmt.Sprintf("%s%d", syntheticLoginPrefix, id)
	return Account{
		ID:          id,
		Login:       login,
		Email:       login + syntheticDomain,
		Password:    fmt.Sprintf("pw-%012x", draw(seed, uint64(id), hPassword)&0xffffffffffff),
		Name:        fmt.Sprintf("シミュレーション店舗 %d", id),
		Devices:     syntheticDevices(seed, r, i),
		HistoryFrom: from,
		Synthetic:   true,
	}, true
}

// syntheticDevices is how many devices the i-th account of the range has.
// The total over the range is exactly r.Devices: each account gets its even
// share, then neighbours (2k, 2k+1) move some devices from one to the other
// so that shops differ in size.
func syntheticDevices(seed uint64, r Synthetic, i int64) int {
	share := func(j int64) int64 { return (j+1)*r.Devices/r.Count - j*r.Devices/r.Count }
	k := i / 2
	if 2*k+1 >= r.Count {
		return int(share(i)) // the odd one out keeps its share
	}
	even, odd := share(2*k), share(2*k+1)
	maxMove := min(odd-1, MaxDevices-even)
	if maxMove <= 0 {
		if i%2 == 0 {
			return int(even)
		}
		return int(odd)
	}
	v := int64(draw(seed, uint64(k), hDevices) % uint64(maxMove+1))
	if i%2 == 0 {
		return int(even + v)
	}
	return int(odd - v)
}
