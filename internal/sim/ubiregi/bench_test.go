package ubiregi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// benchSim is a country-sized simulator: 50,000 accounts, 100,000
// devices, at lunchtime on a Friday, with tokens for n accounts.
func benchSim(b *testing.B, n int) (*Server, []string) {
	b.Helper()
	clock := simclock.NewFrozen(day.Add(12*time.Hour + 30*time.Minute))
	sim := New(Config{Seed: 9, Clock: clock, Synthetic: Synthetic{Count: 50_000, Devices: 100_000}})
	if err := sim.RegisterClient(Client{ID: "bench", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:1/cb"}}); err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, n)
	for i := range tokens {
		tok, err := sim.IssueToken("bench", DefaultSyntheticFirstID+int64(i)*50_000/int64(n))
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok.AccessToken
	}
	return sim, tokens
}

// BenchmarkCheckoutsPoll is the portal's steady state: each account asks
// for the last minute's changes (handler only, no network).
func BenchmarkCheckoutsPoll(b *testing.B) {
	sim, tokens := benchSim(b, 1000)
	path := "/api/3/accounts/current/checkouts?" + url.Values{"since": {utc(sim.clock.Now().Add(-time.Minute))}}.Encode()
	var items, bytes int
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		items += len(decodePage(b, w.Body.Bytes()).Checkouts)
		bytes += w.Body.Len()
		i++
	}
	b.ReportMetric(float64(items)/float64(i), "checkouts/op")
	b.ReportMetric(float64(bytes)/float64(i), "resp-bytes/op")
}

// BenchmarkCheckoutsPageHTTP reads full pages of a day's checkouts (100
// each) over real HTTP from parallel clients.
func BenchmarkCheckoutsPageHTTP(b *testing.B) {
	sim, tokens := benchSim(b, 200)
	ts := httptest.NewServer(sim)
	defer ts.Close()
	u := ts.URL + "/api/3/accounts/current/checkouts?" + url.Values{"since": {utc(day)}}.Encode()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			resp, body := apiCall(b, u, tokens[i%len(tokens)], "")
			if resp.StatusCode != 200 || len(body) < 1000 {
				b.Errorf("%d %.200s", resp.StatusCode, body)
				return
			}
			i++
		}
	})
}

// BenchmarkAccountCurrent is GET /accounts/current.
func BenchmarkAccountCurrent(b *testing.B) {
	sim, tokens := benchSim(b, 1000)
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/3/accounts/current", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		i++
	}
}
