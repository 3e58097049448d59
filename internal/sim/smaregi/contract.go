package smaregi

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// Errors of the control API.
var (
	ErrNotFound = errors.New("smaregi sim: no such contract")
	ErrInvalid  = errors.New("smaregi sim: invalid contract")
)

// Contract is one スマレジ contract as the simulator holds it: the
// credentials of the app registered in プラットフォームAPI設定, the scopes
// enabled for that app, the stores with their registers, and the legacy
// (v2) access token.
type Contract struct {
	ID       string `json:"contract_id"`
	ClientID string `json:"client_id"`
	// ClientSecret is empty while the secret is revoked.
	ClientSecret      string    `json:"client_secret"`
	Scopes            []string  `json:"scopes"`
	LegacyAccessToken string    `json:"legacy_access_token"`
	HistoryStart      time.Time `json:"history_start"`
	Stores            []Store   `json:"stores"`
	// RateLimit is requests per second: 0 the server's default, < 0 none.
	RateLimit int `json:"rate_limit"`
	// Synthetic contracts come from the seeded range (see Synthetic).
	Synthetic bool `json:"synthetic"`
}

// Store is a 店舗 with its registers.
type Store struct {
	ID        int        `json:"store_id"`
	Code      string     `json:"store_code"`
	Name      string     `json:"store_name"`
	Terminals []Terminal `json:"terminals"`
}

// Terminal is a register (レジ端末). Its ID is unique within its store only.
type Terminal struct {
	ID   int    `json:"terminal_id"`
	Name string `json:"terminal_name"`
	// Seed drives the register's sales (see package shop).
	Seed  uint64    `json:"seed"`
	Since time.Time `json:"since"`
}

// ContractSpec asks for a new contract; every empty field gets a generated
// value.
type ContractSpec struct {
	ID           string `json:"contract_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// Scopes nil grants the two of the 2026 notice; an empty list grants none.
	Scopes            []string    `json:"scopes"`
	LegacyAccessToken string      `json:"legacy_access_token"`
	HistoryStart      time.Time   `json:"history_start"`
	Stores            []StoreSpec `json:"stores"`
	RateLimit         int         `json:"rate_limit"`
}

// StoreSpec is one store of a ContractSpec.
type StoreSpec struct {
	Name      string `json:"name"`
	Terminals int    `json:"terminals"`
}

// DefaultScopes are the scopes the 2026 notice tells shops to enable.
var DefaultScopes = []string{"pos.transactions:read", "pos.stores:read"}

// maxTerminals bounds a contract's registers: a register's place in its
// contract takes eight bits of a transactionHeadId.
// ASSUMPTION: no contract has 256 registers or more.
const maxTerminals = 255

var contractIDPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// reserved are first path segments the simulator uses itself.
var reserved = map[string]bool{"app": true, "access": true, "_sim": true}

// account is a contract ready to serve: flattened registers, scope bits and
// the generation counters that make credentials reissuable. Accounts are
// never changed in place; a change replaces the whole value, so handlers
// may keep one without a lock.
type account struct {
	Contract
	regs      []register
	scopes    uint64
	tokenGen  uint32 // tokens of an older generation are revoked
	secretGen uint32 // how many times the secret was reissued
	// deleted are the transactionHeadIds the shop deleted (削除): never
	// changed in place, replaced with the account.
	deleted map[int64]bool
}

// register is a terminal with its store, in the contract's order: its
// index is the terminal's place in transactionHeadIds.
type register struct {
	store *Store
	term  *Terminal
	shop  shop.Terminal
}

// newAccount checks c and prepares it for serving.
func newAccount(c Contract, tokenGen, secretGen uint32) (*account, error) {
	if !contractIDPattern.MatchString(c.ID) || reserved[c.ID] {
		return nil, fmt.Errorf("contract_id %q: want 1–32 letters, digits or _ (not app, access or _sim): %w", c.ID, ErrInvalid)
	}
	if c.ClientID == "" {
		return nil, fmt.Errorf("contract %s: empty client_id: %w", c.ID, ErrInvalid)
	}
	mask, err := scopeMask(c.Scopes)
	if err != nil {
		return nil, fmt.Errorf("contract %s: %w: %w", c.ID, err, ErrInvalid)
	}
	a := &account{Contract: c, scopes: mask, tokenGen: tokenGen, secretGen: secretGen}
	seenStore := map[int]bool{}
	for si := range a.Stores {
		st := &a.Stores[si]
		if st.ID <= 0 || seenStore[st.ID] {
			return nil, fmt.Errorf("contract %s: store_id %d not positive or repeated: %w", c.ID, st.ID, ErrInvalid)
		}
		seenStore[st.ID] = true
		seenTerm := map[int]bool{}
		for ti := range st.Terminals {
			t := &st.Terminals[ti]
			if t.ID <= 0 || t.ID > 999_999_999 || seenTerm[t.ID] {
				return nil, fmt.Errorf("contract %s: terminal_id %d of store %d not within 1–999999999 or repeated: %w", c.ID, t.ID, st.ID, ErrInvalid)
			}
			seenTerm[t.ID] = true
			since := t.Since
			if since.Before(c.HistoryStart) {
				since = c.HistoryStart
			}
			a.regs = append(a.regs, register{store: st, term: t, shop: shop.Terminal{Seed: t.Seed, Since: since}})
		}
	}
	if len(a.regs) > maxTerminals {
		return nil, fmt.Errorf("contract %s: %d terminals, at most %d: %w", c.ID, len(a.regs), maxTerminals, ErrInvalid)
	}
	return a, nil
}

// clone is a deep copy, so callers cannot reach the server's state.
func (c Contract) clone() Contract {
	c.Scopes = slices.Clone(c.Scopes)
	c.Stores = slices.Clone(c.Stores)
	for i := range c.Stores {
		c.Stores[i].Terminals = slices.Clone(c.Stores[i].Terminals)
	}
	return c
}

// withChange copies a and applies change to the copy.
func (a *account) withChange(change func(c *Contract, tokenGen, secretGen *uint32)) (*account, error) {
	c := a.clone()
	tg, sg := a.tokenGen, a.secretGen
	change(&c, &tg, &sg)
	next, err := newAccount(c, tg, sg)
	if err == nil {
		next.deleted = a.deleted
	}
	return next, err
}

// areaNames name generated stores.
var areaNames = []string{"渋谷", "新宿", "池袋", "銀座", "吉祥寺", "横浜", "大宮", "梅田", "なんば", "京都",
	"三宮", "栄", "天神", "札幌", "仙台", "広島"}

// buildContract fills in what the spec leaves out, drawn from the seed and
// the contract ID; start is the history start when the spec has none.
func buildContract(seed uint64, spec ContractSpec, id string, start time.Time) Contract {
	h := hashString(id)
	c := Contract{
		ID: id, ClientID: spec.ClientID, ClientSecret: spec.ClientSecret, Scopes: slices.Clone(spec.Scopes),
		LegacyAccessToken: spec.LegacyAccessToken, HistoryStart: spec.HistoryStart, RateLimit: spec.RateLimit,
	}
	if c.ClientID == "" {
		c.ClientID = clientIDFor(seed, h)
	}
	if c.ClientSecret == "" {
		c.ClientSecret = secretFor(seed, h, 0)
	}
	if c.Scopes == nil {
		c.Scopes = slices.Clone(DefaultScopes)
	}
	if c.LegacyAccessToken == "" {
		c.LegacyAccessToken = hexDraw(32, seed, pLegacyToken, h)
	}
	if c.HistoryStart.IsZero() {
		c.HistoryStart = start
	}
	stores := spec.Stores
	if stores == nil {
		stores = []StoreSpec{{Terminals: 2}}
	}
	ti := 0
	for i, ss := range stores {
		st := Store{ID: i + 1, Code: fmt.Sprintf("st%03d", i+1), Name: ss.Name}
		if st.Name == "" {
			st.Name = areaNames[draw(seed, pStoreName, h, uint64(i))%uint64(len(areaNames))] + "店"
		}
		// One more than allowed is enough for newAccount to refuse it.
		for k := range min(max(ss.Terminals, 0), maxTerminals+1) {
			st.Terminals = append(st.Terminals, Terminal{
				ID: k + 1, Name: fmt.Sprintf("レジ%d", k+1),
				Seed: draw(seed, pTerminalSeed, h, uint64(ti)), Since: c.HistoryStart,
			})
			ti++
		}
		c.Stores = append(c.Stores, st)
	}
	return c
}

// clientIDFor and secretFor are the formats of the app credentials.
// ASSUMPTION: a client ID is 32 and a secret 64 lower-case hex digits; the
// 2026 notice shows only masked values.
func clientIDFor(seed, h uint64) string { return hexDraw(32, seed, pClientID, h) }

func secretFor(seed, h uint64, gen uint32) string {
	return hexDraw(64, seed, pSecret, h, uint64(gen))
}

// contractIDFor makes an ID in the shape seen in public sandbox URLs
// (id.smaregi.dev/app/sb_skc130x6/token): "sk", a letter, three digits, a
// letter, a digit. The third letter of generated explicit contracts is a–y;
// z is kept for the synthetic range.
func contractIDFor(h uint64) string {
	return fmt.Sprintf("sk%c%03d%c%d", 'a'+byte(h%25), (h/25)%1000, 'a'+byte((h/25_000)%26), (h/650_000)%10)
}

// CreateContract adds a contract and returns it with every generated value.
func (s *Server) CreateContract(spec ContractSpec) (Contract, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := spec.ID
	if id == "" {
		for {
			s.created++
			id = contractIDFor(draw(s.seed, pContractID, s.created))
			if _, taken := s.lookupLocked(id); !taken {
				break
			}
		}
	} else if _, taken := s.explicit[id]; taken {
		return Contract{}, fmt.Errorf("contract %s exists already: %w", id, ErrInvalid)
	}
	// By default a new contract has a month of history.
	y, m, d := s.clock.Now().In(jst).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, jst).AddDate(0, 0, -30)
	a, err := newAccount(buildContract(s.seed, spec, id, start), 0, 0)
	if err != nil {
		return Contract{}, err
	}
	s.explicit[id] = a
	s.log.Info("smaregi sim: contract created", "contract_id", id, "terminals", len(a.regs))
	return a.clone(), nil
}

// Contract returns the contract with the ID, explicit or synthetic.
func (s *Server) Contract(id string) (Contract, bool) {
	a, ok := s.lookup(id)
	if !ok {
		return Contract{}, false
	}
	return a.clone(), true
}

// Contracts lists the explicit contracts (and synthetic ones that were
// changed), by ID.
func (s *Server) Contracts() []Contract {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Contract, 0, len(s.explicit))
	for _, a := range s.explicit {
		out = append(out, a.clone())
	}
	slices.SortFunc(out, func(a, b Contract) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// DeleteContract removes an explicit contract; its tokens stop working.
func (s *Server) DeleteContract(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.explicit[id]; !ok {
		return fmt.Errorf("delete %s: %w", id, ErrNotFound)
	}
	delete(s.explicit, id)
	return nil
}

// ReissueSecret gives the app a new client secret (再発行); the old one
// stops working at once. Tokens already issued stay valid until they expire
// or are revoked.
func (s *Server) ReissueSecret(id string) (string, error) {
	var secret string
	err := s.update(id, func(c *Contract, _, secretGen *uint32) {
		*secretGen++
		secret = secretFor(s.seed, hashString(c.ID), *secretGen)
		c.ClientSecret = secret
	})
	return secret, err
}

// RevokeSecret leaves the app without a valid secret until ReissueSecret.
func (s *Server) RevokeSecret(id string) error {
	return s.update(id, func(c *Contract, _, _ *uint32) { c.ClientSecret = "" })
}

// RevokeTokens invalidates every access token issued so far for the contract.
func (s *Server) RevokeTokens(id string) error {
	return s.update(id, func(_ *Contract, tokenGen, _ *uint32) { *tokenGen++ })
}

// ErrNoTransaction: the contract has no such transaction (now).
var ErrNoTransaction = fmt.Errorf("smaregi sim: no such transaction: %w", ErrNotFound)

// DeleteTransaction deletes a transaction as a shop does in the admin
// screen (取引削除, since 2022-04): from now on no query returns it and
// GET /transactions/{id} answers 404, in the Platform and the legacy API.
// The record it is paired with by a disposal (打消) stays. Deleting cannot
// be undone, there as here.
//
// ASSUMPTION: (pos-apis §2.8) a deleted transaction simply vanishes: no
// updDateTime moves and nothing in the API tells a poller it went.
func (s *Server) DeleteTransaction(contractID string, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.lookupLocked(contractID)
	if !ok {
		return fmt.Errorf("contract %s: %w", contractID, ErrNotFound)
	}
	if _, ok := newScanner(a, s.clock.Now()).byID(id); !ok {
		return fmt.Errorf("contract %s, transaction %d: %w", contractID, id, ErrNoTransaction)
	}
	next, err := a.withChange(func(*Contract, *uint32, *uint32) {})
	if err != nil {
		return err
	}
	next.deleted = make(map[int64]bool, len(a.deleted)+1)
	for k := range a.deleted {
		next.deleted[k] = true
	}
	next.deleted[id] = true
	s.explicit[contractID] = next
	s.log.Info("smaregi sim: transaction deleted", "contract_id", contractID, "id", id)
	return nil
}

// SetRateLimit sets the contract's requests per second (0: the server's
// default, < 0: unlimited).
func (s *Server) SetRateLimit(id string, perSecond int) error {
	return s.update(id, func(c *Contract, _, _ *uint32) { c.RateLimit = perSecond })
}

// SetScopes replaces the scopes enabled for the contract's app; tokens
// already issued keep the scopes they were issued with.
func (s *Server) SetScopes(id string, scopes []string) error {
	return s.update(id, func(c *Contract, _, _ *uint32) { c.Scopes = slices.Clone(scopes) })
}

// update applies change to a copy of the contract and stores the copy. A
// synthetic contract becomes explicit that way: only changed ones are held.
func (s *Server) update(id string, change func(c *Contract, tokenGen, secretGen *uint32)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.lookupLocked(id)
	if !ok {
		return fmt.Errorf("contract %s: %w", id, ErrNotFound)
	}
	next, err := a.withChange(change)
	if err != nil {
		return err
	}
	s.explicit[id] = next
	s.log.Info("smaregi sim: contract changed", "contract_id", id)
	return nil
}

// lookup finds a contract for serving a request.
func (s *Server) lookup(id string) (*account, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lookupLocked(id)
}

func (s *Server) lookupLocked(id string) (*account, bool) {
	if a, ok := s.explicit[id]; ok {
		return a, true
	}
	return s.synth.account(s.seed, id)
}
