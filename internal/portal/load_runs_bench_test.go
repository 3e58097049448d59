package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The load runs' pace: the steady rate and how long it lasts, and how long
// each number of clients of a closed loop runs.
const (
	loadSteadyRate   = 200 // requests a second
	loadSteadyFor    = 20 * time.Second
	loadClosedLoopIn = 5 * time.Second
)

// loadRequest is one request of a load run: its URL and its Authorization
// header (none when empty).
type loadRequest struct {
	url, auth string
}

// loadTarget makes the requests of a load run, from the run's random
// source.
type loadTarget func(*rand.Rand) loadRequest

// loadResult is what one run measured: each answer's latency, failures,
// the items listed, and the run's length.
type loadResult struct {
	lat    []time.Duration
	failed int
	items  int64
	took   time.Duration
}

func (r loadResult) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
}

func (r loadResult) max() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return slices.Max(r.lat).Round(10 * time.Microsecond)
}

func (r loadResult) rate() float64 { return float64(len(r.lat)) / r.took.Seconds() }

func (r loadResult) itemsPerAnswer() float64 { return float64(r.items) / float64(max(1, len(r.lat))) }

// loadClient sends a load run's requests over keep-alive connections and
// says once why the first request failed, so that a misconfigured run
// does not pass for a slow one.
type loadClient struct {
	http     *http.Client
	b        *testing.B
	reported atomic.Bool
}

func newLoadClient(b *testing.B) *loadClient {
	c := &loadClient{b: b, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 10 * time.Second}}
	b.Cleanup(c.http.CloseIdleConnections)
	return c
}

// transactionObject starts each transaction of a list's answer.
var transactionObject = []byte(`{"id":`)

// get asks for req and answers whether it succeeded (200) and the
// transactions it listed.
func (c *loadClient) get(ctx context.Context, req loadRequest) (bool, int64) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, req.url, nil)
	if err != nil {
		c.fail(req, err.Error())
		return false, 0
	}
	if req.auth != "" {
		r.Header.Set("Authorization", req.auth)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		c.fail(req, err.Error())
		return false, 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		c.fail(req, err.Error())
		return false, 0
	case resp.StatusCode != http.StatusOK:
		c.fail(req, fmt.Sprintf("%s: %.300s", resp.Status, body))
		return false, 0
	}
	return true, int64(bytes.Count(body, transactionObject))
}

func (c *loadClient) fail(req loadRequest, why string) {
	if c.reported.CompareAndSwap(false, true) {
		c.b.Logf("first failed request: GET %s: %s", req.url, why)
	}
}

// openLoop sends loadSteadyRate requests a second for loadSteadyFor, each
// at its scheduled time whatever the earlier ones' answers; a latency runs
// from the schedule, so time spent waiting to be sent counts.
func (c *loadClient) openLoop(ctx context.Context, target loadTarget) loadResult {
	n := int(loadSteadyFor.Seconds() * loadSteadyRate)
	period := time.Second / loadSteadyRate
	rng := rand.New(rand.NewPCG(3, 4))
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var items atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * period)
		req := target(rng)
		time.Sleep(time.Until(at))
		wg.Go(func() {
			good, k := c.get(ctx, req)
			lat[i], ok[i] = time.Since(at), good
			items.Add(k)
		})
	}
	wg.Wait()
	r := loadResult{took: time.Since(start), items: items.Load()}
	for i := range n {
		if ok[i] {
			r.lat = append(r.lat, lat[i])
		} else {
			r.failed++
		}
	}
	if r.failed > 0 {
		c.b.Logf("open loop: %d of %d requests failed", r.failed, n)
	}
	return r
}

// closedLoop runs clients that each send a request as soon as the last is
// answered, for d.
func (c *loadClient) closedLoop(ctx context.Context, target loadTarget, clients int, d time.Duration) loadResult {
	var mu sync.Mutex
	var r loadResult
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for n := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(5, uint64(n)))
			var lat []time.Duration
			failed := 0
			var items int64
			for time.Now().Before(deadline) {
				t := time.Now()
				if good, k := c.get(ctx, target(rng)); good {
					lat = append(lat, time.Since(t))
					items += k
				} else {
					failed++
				}
			}
			mu.Lock()
			r.lat, r.failed, r.items = append(r.lat, lat...), r.failed+failed, r.items+items
			mu.Unlock()
		})
	}
	wg.Wait()
	r.took = time.Since(start)
	if r.failed > 0 {
		c.b.Logf("closed loop of %d clients: %d requests failed", clients, r.failed)
	}
	return r
}

// bestClosedLoop runs closed loops of 2×GOMAXPROCS up to 32 clients and
// answers the best rate and its number of clients.
func (c *loadClient) bestClosedLoop(ctx context.Context, target loadTarget, name string) (loadResult, int) {
	var best loadResult
	bestN := 0
	var runs []string
	for n := min(2*runtime.GOMAXPROCS(0), 32); n <= 32; n *= 2 {
		r := c.closedLoop(ctx, target, n, loadClosedLoopIn)
		runs = append(runs, fmt.Sprintf("%d clients %.0f/s (p50 %v, p99 %v)", n, r.rate(), r.p(0.50), r.p(0.99)))
		if bestN == 0 || r.rate() > best.rate() {
			best, bestN = r, n
		}
	}
	// One line: the testing package keeps only ten lines of a benchmark's log.
	c.b.Logf("%s, closed loop: %s", name, strings.Join(runs, ", "))
	return best, bestN
}
