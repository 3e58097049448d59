package ubiregi

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// TestSameSeedSameBytes: two simulators with the same seed and a frozen
// clock answer byte for byte the same (tokens aside).
func TestSameSeedSameBytes(t *testing.T) {
	bodies := func(seed uint64) [][]byte {
		clock := simclock.NewFrozen(day.Add(20 * time.Hour))
		sim := New(Config{Seed: seed, Clock: clock, Synthetic: Synthetic{Count: 100, Devices: 300}})
		ts := httptest.NewServer(sim)
		defer ts.Close()
		if err := sim.RegisterClient(Client{ID: "c", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:1/cb"}}); err != nil {
			t.Fatal(err)
		}
		a, err := sim.CreateAccount(Account{Login: "same", Password: "pw", Devices: 5})
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, id := range []int64{a.ID, DefaultSyntheticFirstID + 42} {
			tok, err := sim.IssueToken("c", id)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{
				"/api/3/accounts/current",
				"/api/3/accounts/current/checkouts?since=2026-11-20T00:00:00Z",
				"/api/3/accounts/current/checkouts?since=2026-11-20T00:00:00Z&glb=30637100000&limit=50",
			} {
				// The same Host: next-url is built from it.
				resp, body := apiCall(t, ts.URL+path, tok.AccessToken, "ubiregi.test")
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
				}
				out = append(out, body)
			}
		}
		return out
	}
	a, b, c := bodies(7), bodies(7), bodies(8)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("response %d differs between two servers with the same seed:\n%.300s\n%.300s", i, a[i], b[i])
		}
		if bytes.Equal(a[i], c[i]) {
			t.Fatalf("response %d is the same under another seed", i)
		}
	}
	if !bytes.Contains(a[1], []byte(`"next-url":"http://ubiregi.test/api/3/accounts/current/checkouts?glb=`)) {
		t.Fatalf("next-url is not built from the request's host:\n%.400s", a[1])
	}
}
