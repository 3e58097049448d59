package fault

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

type textResponder struct{}

func (textResponder) Fault(w http.ResponseWriter, _ *http.Request, status int, _ time.Duration) {
	http.Error(w, "fault", status)
}

func serve(f *Injector) *httptest.Server {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	return httptest.NewServer(f.Middleware(textResponder{})(ok))
}

func status(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Retry-After")
}

func TestBurstDowntimeAndErrorRate(t *testing.T) {
	clock := simclock.NewFrozen(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	f := New(clock.Now)
	srv := serve(f)
	defer srv.Close()

	if code, _ := status(t, srv.URL); code != http.StatusOK {
		t.Fatalf("no faults: %d", code)
	}
	f.Burst(2, 3*time.Second)
	for i := range 2 {
		if code, ra := status(t, srv.URL); code != http.StatusTooManyRequests || ra != "3" {
			t.Fatalf("burst request %d: %d Retry-After %q", i, code, ra)
		}
	}
	if code, _ := status(t, srv.URL); code != http.StatusOK {
		t.Fatalf("after the burst: %d", code)
	}

	f.AddDowntime(clock.Now().Add(time.Minute), clock.Now().Add(2*time.Minute))
	if code, _ := status(t, srv.URL); code != http.StatusOK {
		t.Fatalf("before the downtime: %d", code)
	}
	clock.Advance(90 * time.Second)
	if code, _ := status(t, srv.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("during the downtime: %d", code)
	}
	clock.Advance(time.Minute)
	if code, _ := status(t, srv.URL); code != http.StatusOK {
		t.Fatalf("after the downtime: %d", code)
	}

	f.Set(Settings{ErrorRate: 1})
	if code, _ := status(t, srv.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("error rate 1: %d", code)
	}
}

func TestLatencyDelaysAnswers(t *testing.T) {
	f := New(time.Now)
	f.Set(Settings{Latency: Duration(50 * time.Millisecond)})
	srv := serve(f)
	defer srv.Close()
	start := time.Now()
	if code, _ := status(t, srv.URL); code != http.StatusOK {
		t.Fatal(code)
	}
	// A lower bound only: the delay must have been applied at all.
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("answered after %v, before the 50ms latency", d)
	}
}

func TestAdminEndpoint(t *testing.T) {
	f := New(time.Now)
	srv := httptest.NewServer(f)
	defer srv.Close()
	put := func(body string) int {
		req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := put(`{"latency":"20ms","jitter":"5ms","error_rate":0.1,"burst_429":3,"retry_after":"2s"}`); code != http.StatusOK {
		t.Fatalf("valid settings: %d", code)
	}
	if s := f.Settings(); time.Duration(s.Latency) != 20*time.Millisecond || s.Burst429 != 3 || s.ErrorRate != 0.1 {
		t.Fatalf("settings not applied: %+v", s)
	}
	for _, bad := range []string{`{"error_rate":2}`, `{"latency":"soon"}`, `{"latency":"-1s"}`, `{"burst_429":-1}`, `{"nope":1}`, `not json`} {
		if code := put(bad); code != http.StatusBadRequest {
			t.Errorf("PUT %s: %d, want 400", bad, code)
		}
	}
	if s := f.Settings(); s.Burst429 != 3 {
		t.Fatalf("a refused PUT changed the settings: %+v", s)
	}
}
