package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dbtest"
)

// syncBuffer collects a command's log while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `poslink worker` runs against a migrated database without the portal,
// answers /healthz and /metrics on its own address, and stops cleanly.
func TestWorkerServesMetricsAndStops(t *testing.T) {
	env := map[string]string{"DATABASE_URL": dbtest.NewURL(t)}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"worker", "--worker-addr", "127.0.0.1:0", "--shutdown-timeout", "5s"},
			func(k string) (string, bool) { v, ok := env[k]; return v, ok }, strings.NewReader(""), io.Discard, &logs)
	}()
	url := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" {
		if m := url.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the worker never listened: %v\n%s", <-done, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/metrics": "poslink_poller_backlog_connections"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, res.StatusCode, want)
		}
	}
	if res, err := http.Get(base + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("the worker serves the portal: /login %d", res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the worker did not stop")
	}
}

// A worker refuses a database whose schema is behind, saying what to run.
func TestWorkerRefusesAnOldSchema(t *testing.T) {
	env := map[string]string{"DATABASE_URL": dbtest.NewEmpty(t)}
	err := run(context.Background(), []string{"worker", "--worker-addr", ""},
		func(k string) (string, bool) { v, ok := env[k]; return v, ok }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "poslink migrate up") {
		t.Fatalf("worker on an empty database: %v", err)
	}
	if errors.Is(err, errUsage) {
		t.Fatal("a usage error")
	}
}
