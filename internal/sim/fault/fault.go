// Package fault injects the failures a real service shows, on demand:
// latency with jitter, a rate of server errors, bursts of 429 with
// Retry-After, and downtime windows on the simulated clock.
package fault

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Window is a span of simulated time [From, To) in which the service is down.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Settings are the faults in force.
type Settings struct {
	// Latency delays every answer; Jitter adds up to that much at random.
	Latency Duration `json:"latency"`
	Jitter  Duration `json:"jitter"`
	// ErrorRate is the fraction (0–1) of requests answered with 503.
	ErrorRate float64 `json:"error_rate"`
	// Burst429 is how many of the next requests get 429, with RetryAfter.
	Burst429   int      `json:"burst_429"`
	RetryAfter Duration `json:"retry_after"`
	// Down lists windows of simulated time answered with 503.
	Down []Window `json:"down"`
}

// Duration is a time.Duration written as "150ms" in JSON.
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string such as "1.5s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"150ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q: want a non-negative Go duration such as \"150ms\"", s)
	}
	*d = Duration(v)
	return nil
}

// Responder writes an error in the simulated API's own format.
type Responder interface {
	// Fault answers with status; retryAfter is set for 429.
	Fault(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration)
}

// Injector holds the faults of one simulator.
type Injector struct {
	mu  sync.Mutex
	s   Settings
	now func() time.Time
	rnd *rand.Rand
}

// New returns an injector with no faults; now is the simulated clock.
func New(now func() time.Time) *Injector {
	return &Injector{now: now, rnd: rand.New(rand.NewPCG(1, 2))}
}

// Set replaces the faults in force.
func (f *Injector) Set(s Settings) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s = s
}

// Settings returns the faults in force.
func (f *Injector) Settings() Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}

// Burst makes the next n requests answer 429 with Retry-After.
func (f *Injector) Burst(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.Burst429, f.s.RetryAfter = n, Duration(retryAfter)
}

// AddDowntime makes the service answer 503 while the simulated clock is
// within [from, to).
func (f *Injector) AddDowntime(from, to time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.Down = append(f.s.Down, Window{From: from, To: to})
}

// decide returns the delay and the fault status for one request (0: none).
func (f *Injector) decide() (delay time.Duration, status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delay = time.Duration(f.s.Latency)
	if f.s.Jitter > 0 {
		delay += time.Duration(f.rnd.Int64N(int64(f.s.Jitter) + 1))
	}
	now := f.now()
	for _, w := range f.s.Down {
		if !now.Before(w.From) && now.Before(w.To) {
			return delay, http.StatusServiceUnavailable, 0
		}
	}
	if f.s.Burst429 > 0 {
		f.s.Burst429--
		ra := time.Duration(f.s.RetryAfter)
		if ra <= 0 {
			ra = time.Second
		}
		return delay, http.StatusTooManyRequests, ra
	}
	if f.s.ErrorRate > 0 && f.rnd.Float64() < f.s.ErrorRate {
		return delay, http.StatusServiceUnavailable, 0
	}
	return delay, 0, 0
}

// Middleware applies the faults to every request before next sees it.
func (f *Injector) Middleware(resp Responder) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			delay, status, retryAfter := f.decide()
			if delay > 0 {
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if status != 0 {
				if retryAfter > 0 {
					w.Header().Set("Retry-After", fmt.Sprint(int((retryAfter+time.Second-1)/time.Second)))
				}
				resp.Fault(w, r, status, retryAfter)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ServeHTTP is the admin endpoint: GET shows the faults, PUT replaces them
// with the JSON body (Settings), DELETE clears them.
func (f *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut, http.MethodPost:
		var s Settings
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		if s.ErrorRate < 0 || s.ErrorRate > 1 || s.Burst429 < 0 {
			http.Error(w, "faults: error_rate must be within 0–1 and burst_429 not negative", http.StatusBadRequest)
			return
		}
		f.Set(s)
	case http.MethodDelete:
		f.Set(Settings{})
	default:
		http.Error(w, "GET, PUT or DELETE", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(f.Settings())
}
