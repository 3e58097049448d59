package ubiregi

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// Config sets up a simulated Ubiregi.
type Config struct {
	// Seed makes the shops' sales, ids, guids and synthetic credentials:
	// the same seed and clock give byte-identical API responses.
	Seed uint64
	// Clock is the simulated time (nil: the real time). Token lifetimes,
	// codes, sessions, the rate limiter and fault windows all run on it.
	Clock *simclock.Clock
	// Logger receives control actions and refused requests (nil: none).
	// Secrets, tokens and passwords are never logged.
	Logger *slog.Logger
	// HistoryFrom is when an account's registers start selling, unless the
	// account says otherwise (zero: the start of the Tokyo day 30 days
	// before the clock's reading at New).
	HistoryFrom time.Time
	// Synthetic is a range of accounts computed from the seed on demand.
	Synthetic Synthetic
	// RateLimit limits requests per access token (zero: no limit).
	RateLimit RateLimit
	// AccessTTL and RefreshTTL are the token lifetimes (zero: 24 h and 14
	// days, the documented "current implementation").
	AccessTTL, RefreshTTL time.Duration
}

// Synthetic is a range of accounts that exist without being stored: an
// account id in [FirstID, FirstID+Count) has a login, password, name and
// devices derived from the seed by formula (see SyntheticAccount).
type Synthetic struct {
	// FirstID is the first account id of the range (zero: 1,000,000).
	FirstID int64 `json:"first_id"`
	// Count is the number of accounts (zero: no range).
	Count int64 `json:"count"`
	// Devices is the total number of devices over the range, between Count
	// and 64·Count (zero: 2·Count).
	Devices int64 `json:"devices"`
}

// DefaultSyntheticFirstID is where a synthetic range starts unless told.
const DefaultSyntheticFirstID = 1_000_000

// RateLimit is a token bucket per access token.
//
// ASSUMPTION: Ubiregi documents no rate limit (pos-apis.md §5 #2); the
// simulator refills at PerSecond tokens a second of the simulated clock, up
// to Burst, and answers 429 with Retry-After and
// [{"reason":"rate limit exceeded"}] when a token's bucket is empty. A
// frozen clock does not refill: advance it.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// maxSynthetic bounds a synthetic range, so that the device formula's
// products stay within int64.
const maxSynthetic = 1 << 24

// MaxDevices bounds the devices of one account: a checkout id keeps the
// device's index in six bits.
const MaxDevices = 64

func (s Synthetic) normalized() (Synthetic, error) {
	if s.Count == 0 {
		return Synthetic{}, nil
	}
	if s.FirstID == 0 {
		s.FirstID = DefaultSyntheticFirstID
	}
	if s.Devices == 0 {
		s.Devices = 2 * s.Count
	}
	switch {
	case s.Count < 0 || s.FirstID < 1:
		return s, fmt.Errorf("synthetic range: first_id must be positive and count not negative")
	case s.Count > maxSynthetic || s.FirstID > 1<<40:
		return s, fmt.Errorf("synthetic range: count must stay below %d and first_id below 2^40", maxSynthetic)
	case s.Devices < s.Count || s.Devices > MaxDevices*s.Count:
		return s, fmt.Errorf("synthetic range: devices must be between count (%d) and %d·count", s.Count, MaxDevices)
	}
	return s, nil
}

func (r RateLimit) validate() error {
	if r.PerSecond < 0 || r.Burst < 0 || (r.PerSecond > 0) != (r.Burst > 0) {
		return fmt.Errorf("rate limit: per_second and burst must both be positive, or both zero for none")
	}
	return nil
}

// withDefaults fills the zero values, reading the clock once.
func (c Config) withDefaults() (Config, error) {
	if c.Clock == nil {
		c.Clock = simclock.New()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.HistoryFrom.IsZero() {
		t := c.Clock.Now().In(shop.Tokyo).AddDate(0, 0, -30)
		c.HistoryFrom = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shop.Tokyo)
	}
	c.HistoryFrom = c.HistoryFrom.UTC().Truncate(time.Second)
	if c.AccessTTL <= 0 {
		c.AccessTTL = 24 * time.Hour
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 14 * 24 * time.Hour
	}
	var err error
	if c.Synthetic, err = c.Synthetic.normalized(); err != nil {
		return c, err
	}
	if err := c.RateLimit.validate(); err != nil {
		return c, err
	}
	return c, nil
}
