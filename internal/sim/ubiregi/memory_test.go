package ubiregi

import (
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// heapAfterQueries starts a simulator with a synthetic range, gives a
// token to `sample` accounts spread over it, reads each one's account and
// last hour of checkouts over HTTP, and returns the live heap the
// simulator added.
func heapAfterQueries(t *testing.T, accounts, devices int64, sample int) (growth uint64, checkouts int) {
	t.Helper()
	before := liveHeap()
	clock := simclock.NewFrozen(day.Add(13 * time.Hour))
	sim := New(Config{Seed: 3, Clock: clock, Synthetic: Synthetic{Count: accounts, Devices: devices}})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	if err := sim.RegisterClient(Client{ID: "bench", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:1/cb"}}); err != nil {
		t.Fatal(err)
	}
	since := url.Values{"since": {utc(clock.Now().Add(-time.Hour))}}.Encode()
	for i := range sample {
		id := DefaultSyntheticFirstID + int64(i)*accounts/int64(sample)
		tok, err := sim.IssueToken("bench", id)
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := apiCall(t, ts.URL+"/api/3/accounts/current", tok.AccessToken, ""); resp.StatusCode != 200 {
			t.Fatalf("account %d: %d %s", id, resp.StatusCode, body)
		}
		resp, body := apiCall(t, ts.URL+"/api/3/accounts/current/checkouts?"+since, tok.AccessToken, "")
		if resp.StatusCode != 200 {
			t.Fatalf("checkouts of %d: %d %s", id, resp.StatusCode, body)
		}
		checkouts += len(decodePage(t, body).Checkouts)
	}
	after := liveHeap()
	runtime.KeepAlive(sim)
	if after < before {
		return 0, checkouts
	}
	return after - before, checkouts
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryFlatInAccounts: 100 times the accounts and devices cost no
// more memory, since nothing is stored per account or per sale.
func TestMemoryFlatInAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	const sample = 400
	heapAfterQueries(t, 500, 1_000, 50) // warm up the HTTP machinery
	small, n1 := heapAfterQueries(t, 500, 1_000, sample)
	large, n2 := heapAfterQueries(t, 50_000, 100_000, sample)
	t.Logf("live heap added: %.2f MB with 500 accounts / 1,000 devices, %.2f MB with 50,000 / 100,000 (%d accounts queried, %d and %d checkouts returned)",
		mb(small), mb(large), sample, n1, n2)
	if large > small+2<<20 {
		t.Fatalf("the heap grows with the number of accounts: %.2f MB → %.2f MB", mb(small), mb(large))
	}
	if n1 == 0 || n2 == 0 {
		t.Fatal("no checkouts returned: the measurement proves nothing")
	}

	// The whole range holds exactly the devices asked for.
	r, err := Synthetic{Count: 50_000, Devices: 100_000}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	total, most := 0, 0
	for i := range r.Count {
		d := syntheticDevices(3, r, i)
		total += d
		most = max(most, d)
	}
	if total != 100_000 || most < 3 {
		t.Fatalf("the range has %d devices (largest shop %d), want 100,000 in shops of varying size", total, most)
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
