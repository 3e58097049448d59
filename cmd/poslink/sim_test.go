package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// `poslink sim` serves the three simulators on their own ports, writes
// their credentials to demo.json, and stops on Ctrl-C.
func TestSimCommand(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- run(ctx, []string{"sim", "--data-dir", dir, "--log-level", "warn",
			"--sim-ubiregi-addr", "127.0.0.1:0", "--sim-smaregi-addr", "127.0.0.1:0", "--sim-camera-addr", "127.0.0.1:0"},
			func(string) (string, bool) { return "", false }, strings.NewReader(""), &syncWriter{w: &out}, io.Discard)
	}()
	path := filepath.Join(dir, "demo.json")
	var b []byte
	for range 200 {
		if b, _ = os.ReadFile(path); len(b) > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	var info struct {
		Portal  string `json:"portal"`
		Ubiregi struct {
			BaseURL string `json:"base_url"`
		} `json:"ubiregi"`
		Smaregi struct {
			APIBaseURL string `json:"api_base_url"`
		} `json:"smaregi"`
		Camera struct {
			BaseURL string `json:"base_url"`
		} `json:"camera_cloud"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		cancel()
		t.Fatalf("demo.json: %v (%q)", err, b)
	}
	if info.Portal != "" {
		t.Errorf("sim alone wrote a portal URL %q", info.Portal)
	}
	for _, base := range []string{info.Ubiregi.BaseURL, info.Smaregi.APIBaseURL, info.Camera.BaseURL} {
		res, err := http.Get(base + "/_sim/clock")
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s/_sim/clock: %d", base, res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sim returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sim did not stop")
	}
	if _, err := http.Get(info.Ubiregi.BaseURL + "/_sim/clock"); err == nil {
		t.Fatal("Ubiregi simulator still answers after Ctrl-C")
	}
	if !strings.Contains(out.String(), "poslink simulators are running") {
		t.Errorf("banner missing:\n%s", out.String())
	}
}

// syncWriter lets the test read what run writes from another goroutine.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
