package camcloud

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// t0 is the tests' "now": 12:30 JST on a Monday, the shops open.
var t0 = time.Date(2026, 11, 23, 3, 30, 0, 0, time.UTC)

// The demo's cameras, with a history: the register camera records since
// two weeks, day and night, and was offline for an hour this morning; the
// entrance camera is switched off at night; the backyard camera begins
// recording in three days.
var (
	gapFrom = t0.Add(-3 * time.Hour)
	gapTo   = t0.Add(-2 * time.Hour)
	demo    = []Device{
		{ID: "demo-cam-register", Name: "レジ前カメラ", Model: "CC-2L_SF", Items: []int{7},
			RecordingSince: t0.AddDate(0, 0, -14), Gaps: []Gap{{From: gapFrom, To: gapTo}}, Night: NightRecord},
		{ID: "demo-cam-entrance", Name: "入口カメラ", Model: "One (SF-1)", RecordingSince: t0.AddDate(0, 0, -14), Night: NightOffline},
		{ID: "demo-cam-backyard", Name: "バックヤードカメラ", Model: "CC-2_SF", RecordingSince: t0.AddDate(0, 0, 3)},
	}
)

// fixture is a simulator behind a real HTTP server on 127.0.0.1.
type fixture struct {
	srv   *Server
	ts    *httptest.Server
	clock *simclock.Clock
}

func newFixture(t testing.TB, seed uint64) *fixture {
	t.Helper()
	clock := simclock.NewFrozen(t0)
	srv := New(Config{Seed: seed, Clock: clock})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{srv: srv, ts: ts, clock: clock}
}

// withDemo puts the demo cameras and returns a key that sees all of them.
func (f *fixture) withDemo(t testing.TB) string {
	t.Helper()
	var ids []string
	for _, d := range demo {
		if _, err := f.srv.PutDevice(d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	k, err := f.srv.CreateKey(Key{Devices: ids})
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

// do sends a request with the API key (none when key is "") and returns
// the response with its body read.
func (f *fixture) do(t testing.TB, method, path, key string, body any, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Safie-API-Key", key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (f *fixture) get(t testing.TB, path, key string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return f.do(t, http.MethodGet, path, key, nil, hdr...)
}

// image fetches the frame of dev at t (RFC 3339 with nanoseconds).
func (f *fixture) image(t testing.TB, key, dev string, at time.Time) (*http.Response, []byte) {
	t.Helper()
	return f.get(t, "/v2/devices/"+dev+"/image?timestamp="+url.QueryEscape(at.Format(time.RFC3339Nano)), key)
}

// wantMessage checks an error answer: the status and a JSON
// {"message": "..."} containing part.
func wantMessage(t testing.TB, resp *http.Response, body []byte, status int, part string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	msg, ok := m["message"].(string)
	if !ok || len(m) != 1 {
		t.Fatalf("body %s, want only {\"message\": string}", body)
	}
	if !strings.Contains(msg, part) {
		t.Fatalf("message %q does not say %q", msg, part)
	}
}
