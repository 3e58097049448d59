package smaregi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// FuzzTransactionsQuery feeds arbitrary query strings to GET /transactions:
// every answer is 200 with a JSON array or 400 with a problem, never a crash.
func FuzzTransactionsQuery(f *testing.F) {
	for _, seed := range []string{
		day().Encode(),
		"upd_date_time-from=2026-01-20T14:00:00%2B09:00&upd_date_time-to=2026-01-20T15:00:00%2B09:00&sort=updDateTime:desc&limit=5&page=2",
		"sum_date=2026-01-19&fields=transactionHeadId,total&with_details=summary",
		"transaction_head_id-from=-1&transaction_head_id-to=9223372036854775807&sum_date-from=2026-01-01&sum_date-to=2026-01-31",
		"terminal_tran_date_time-from=0001-01-01T00:00:00Z&terminal_tran_date_time-to=0001-01-31T00:00:00Z",
		"limit=%00&page=-1&sort=,,:",
	} {
		f.Add(seed)
	}
	s := New(Config{Seed: 3, Clock: simclock.NewFrozen(t0), RateLimit: -1})
	c, err := s.CreateContract(ContractSpec{HistoryStart: t0.AddDate(0, 0, -3)})
	if err != nil {
		f.Fatal(err)
	}
	a, _ := s.lookup(c.ID)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/"+c.ID+"/pos/transactions?"+q.Encode(), nil)
		w := httptest.NewRecorder()
		s.listTransactions(w, req, a, t0, "")
		body := w.Body.String()
		switch w.Code {
		case 200:
			if !strings.HasPrefix(body, "[") {
				t.Fatalf("200 without an array: %.100s", body)
			}
		case 400:
			if !strings.Contains(body, `"status":400`) {
				t.Fatalf("400 without a problem: %.100s", body)
			}
		default:
			t.Fatalf("status %d: %.100s", w.Code, body)
		}
	})
}

// FuzzLegacyParams feeds arbitrary params JSON to transaction_ref.
func FuzzLegacyParams(f *testing.F) {
	for _, seed := range []string{
		`{"table_name":"TransactionHead","conditions":[{"updDateTime >=":"2026-01-20 00:00:00"}],"order":["transactionHeadId desc"],"limit":3,"page":"2"}`,
		`{"table_name":"TransactionDetail","conditions":[{"sumDate":"2026-01-19"},{"transactionHeadId <":-9223372036854775808}]}`,
		`{"table_name":"TransactionHead","conditions":[{"transactionUuid <>":"1"}],"fields":["total"]}`,
		`{"table_name":"TransactionHead","limit":1.5}`, `[]`, `null`,
	} {
		f.Add(seed)
	}
	s := New(Config{Seed: 3, Clock: simclock.NewFrozen(t0), RateLimit: -1})
	c, err := s.CreateContract(ContractSpec{HistoryStart: t0.AddDate(0, 0, -3)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, params string) {
		form := url.Values{"proc_name": {"transaction_ref"}, "params": {params}}
		req := httptest.NewRequest(http.MethodPost, "/access/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Contract-Id", c.ID)
		req.Header.Set("X-Access-Token", c.LegacyAccessToken)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d: %.200s", w.Code, w.Body.String())
		}
	})
}

// TestConcurrentUse polls, changes credentials and moves the clock at once
// (run with -race to check the locking).
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Config{Synthetic: Synthetic{Contracts: 100}})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			c, err := f.srv.SyntheticContract(g)
			if err != nil {
				t.Error(err)
				return
			}
			cl := f.client(t, c)
			for range 20 {
				resp, b := get(t, cl, f.pos(c, "/transactions", poll(t0)))
				if resp.StatusCode != 200 && resp.StatusCode != 401 {
					t.Errorf("poll: %d %s", resp.StatusCode, b)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			c, _ := f.srv.SyntheticContract(50 + i)
			if _, err := f.srv.ReissueSecret(c.ID); err != nil {
				t.Error(err)
			}
			_ = f.srv.RevokeTokens(c.ID)
			f.srv.Faults().Set(f.srv.Faults().Settings())
			f.clock.Advance(time.Millisecond)
		}
	})
	wg.Wait()
}
