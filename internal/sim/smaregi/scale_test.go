package smaregi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
	"golang.org/x/oauth2/clientcredentials"
)

// poll is a poller's query: what changed in the last five minutes.
func poll(now time.Time) url.Values {
	return url.Values{
		"upd_date_time-from": {now.Add(-5 * time.Minute).Format(time.RFC3339)},
		"upd_date_time-to":   {now.Format(time.RFC3339)},
		"limit":              {"1000"},
	}
}

// heapAfterGC is the live heap.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// serverHeap is what a simulator with a synthetic range of contracts×2
// registers holds after serving a sample of 200 of them (a token and a
// poll each), measured as the live heap with the server up minus before.
func serverHeap(t *testing.T, contracts int) (held int64, rows int) {
	before := heapAfterGC()
	s := New(Config{Seed: 1, Clock: simclock.NewFrozen(t0), Synthetic: Synthetic{Contracts: contracts}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	for i := range 200 {
		c, err := s.SyntheticContract(i * contracts / 200)
		if err != nil {
			t.Fatal(err)
		}
		cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			TokenURL: ts.URL + "/app/" + c.ID + "/token", Scopes: []string{"pos.transactions:read"}}
		resp, b := get(t, cfg.Client(context.Background()), ts.URL+"/"+c.ID+"/pos/transactions?"+poll(t0).Encode())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("contract %d: %d %s", i, resp.StatusCode, b)
		}
		rows += len(heads(t, b))
	}
	held = int64(heapAfterGC()) - int64(before)
	runtime.KeepAlive(s)
	return held, rows
}

func TestMemoryDoesNotGrowWithTerminals(t *testing.T) {
	start := time.Now()
	small, rowsS := serverHeap(t, 500)    // 1,000 registers
	large, rowsL := serverHeap(t, 50_000) // 100,000 registers
	t.Logf("heap held: %d KiB with 1,000 registers, %d KiB with 100,000 (200 contracts polled each: %d and %d rows) in %v",
		small>>10, large>>10, rowsS, rowsL, time.Since(start).Round(time.Millisecond))
	if rowsS == 0 || rowsL == 0 {
		t.Fatal("the polls found nothing: the measurement would prove nothing")
	}
	if large-small > 2<<20 {
		t.Fatalf("heap grew by %d KiB from 1,000 to 100,000 registers", (large-small)>>10)
	}
}

// BenchmarkTransactions polls GET /transactions of a simulator with 100,000
// registers (50,000 synthetic contracts), over real HTTP on 127.0.0.1.
func BenchmarkTransactions(b *testing.B) {
	s := New(Config{Seed: 1, Clock: simclock.NewFrozen(t0), RateLimit: -1, Synthetic: Synthetic{Contracts: 50_000}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	const sample = 500
	urls := make([]string, sample)
	tokens := make([]string, sample)
	for i := range sample {
		c, err := s.SyntheticContract(i * 100)
		if err != nil {
			b.Fatal(err)
		}
		cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			TokenURL: ts.URL + "/app/" + c.ID + "/token", Scopes: []string{"pos.transactions:read"}}
		tok, err := cfg.Token(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = "Bearer " + tok.AccessToken
		urls[i] = ts.URL + "/" + c.ID + "/pos/transactions?"
	}
	run := func(b *testing.B, q url.Values) {
		var rows, size atomic.Int64
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			for pb.Next() {
				i := int(next.Add(1)) % sample
				req, _ := http.NewRequest(http.MethodGet, urls[i]+q.Encode(), nil)
				req.Header.Set("Authorization", tokens[i])
				resp, err := cl.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
				}
				body := readAll(resp)
				// Counted, not decoded: decoding would dominate the figure.
				rows.Add(int64(bytes.Count(body, []byte(`{"transactionHeadId":`))))
				size.Add(int64(len(body)))
			}
		})
		b.ReportMetric(float64(rows.Load())/float64(b.N), "rows/op")
		b.ReportMetric(float64(size.Load())/float64(b.N), "B/resp")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("poll-5min", func(b *testing.B) { run(b, poll(t0)) })
	b.Run("day-page-1000", func(b *testing.B) { run(b, withQ(day(), "limit", "1000")) })
}
