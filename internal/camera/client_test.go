package camera_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/sim/camcloud"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
)

var jst = time.FixedZone("JST", 9*3600)

// t0 is the tests' "now": 12:30 JST on a Monday, the shops open.
var t0 = time.Date(2026, 11, 23, 12, 30, 0, 0, jst)

const (
	key      = "test-camera-key"
	register = "cam-register" // records day and night; offline 9:30–10:30 today
	entrance = "cam-entrance" // switched off at night
	backyard = "cam-backyard" // records from the day after tomorrow
)

var (
	gapFrom = t0.Add(-3 * time.Hour)
	gapTo   = t0.Add(-2 * time.Hour)
	since   = t0.AddDate(0, 0, -14)
)

// fixture is the camera-cloud simulator on a real listener with a frozen
// clock, three cameras and a key, and a client of it.
type fixture struct {
	sim      *camcloud.Server
	clock    *simclock.Clock
	url      string
	client   *camera.Client
	requests atomic.Int64 // API requests the simulator received
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: simclock.NewFrozen(t0)}
	f.sim = camcloud.New(camcloud.Config{Seed: 42, Clock: f.clock})
	for _, d := range []camcloud.Device{
		{ID: register, Name: "レジ前カメラ", Model: "CC-2L_SF", RecordingSince: since, Night: camcloud.NightRecord,
			Gaps: []camcloud.Gap{{From: gapFrom, To: gapTo}}},
		{ID: entrance, Name: "入口カメラ", RecordingSince: since, Night: camcloud.NightOffline},
		{ID: backyard, Name: "バックヤードカメラ", RecordingSince: t0.AddDate(0, 0, 2)},
	} {
		if _, err := f.sim.PutDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.sim.CreateKey(camcloud.Key{Key: key, Devices: []string{register, entrance, backyard}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			f.requests.Add(1)
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	f.url = ts.URL
	f.client = f.newClient(key, 0)
	return f
}

// newClient is a client of the simulator with the key, whose clock is the
// simulator's shifted by skew. Its time limit is generous: a loaded
// machine must not turn a test of something else into a timeout.
func (f *fixture) newClient(apiKey string, skew time.Duration) *camera.Client {
	return f.newClientWithin(apiKey, skew, 10*time.Second)
}

// newClientWithin is newClient with a time limit of its own, for the
// tests of the limit.
func (f *fixture) newClientWithin(apiKey string, skew, limit time.Duration) *camera.Client {
	return camera.New(camera.Config{BaseURL: f.url + "/", APIKey: apiKey, HTTPClient: &http.Client{},
		Timeout: limit, Now: func() time.Time { return f.clock.Now().Add(skew) }})
}

// wantErr checks that err is a camera cloud failure of the class, with
// the reason ("" for none).
func wantErr(t *testing.T, err error, class pos.Class, reason string) pos.Error {
	t.Helper()
	e, ok := pos.AsError(err)
	if !ok || e.Provider != camera.Provider {
		t.Fatalf("error %v (%T), want a camera cloud pos.Error of class %v", err, err, class)
	}
	if e.Class != class || e.Reason != reason {
		t.Fatalf("class %v reason %q, want %v %q: %v", e.Class, e.Reason, class, reason, err)
	}
	if strings.Contains(err.Error(), key) {
		t.Fatalf("the error shows the API key: %v", err)
	}
	return *e
}

// wantJPEG checks a picture, a JPEG of the camera's size, and returns its
// bytes: wantJPEG(t)(client.Still(...)).
func wantJPEG(t *testing.T) func(img camera.Image, err error) []byte {
	return func(img camera.Image, err error) []byte {
		t.Helper()
		return checkJPEG(t, img, err)
	}
}

func checkJPEG(t *testing.T, img camera.Image, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if img.ContentType != "image/jpeg" {
		t.Fatalf("content type %q", img.ContentType)
	}
	p, err := jpeg.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	if b := p.Bounds(); b.Dx() != camcloud.FrameWidth || b.Dy() != camcloud.FrameHeight {
		t.Fatalf("picture is %v", b)
	}
	return img.Data
}

func TestDevices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.sim.AddRange(camcloud.Range{Prefix: "shop-", Count: 250, RecordingSince: since}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Link(camcloud.Key{Key: key, Ranges: []string{"shop-"}}); err != nil {
		t.Fatal(err)
	}
	all, err := f.client.AllDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 253 || f.requests.Load() != 3 {
		t.Fatalf("%d devices in %d requests, want 253 in 3", len(all), f.requests.Load())
	}
	want := camera.Device{ID: register, Name: "レジ前カメラ", Model: "CC-2L_SF", Streaming: true, Serial: all[0].Serial}
	if all[0] != want || len(all[0].Serial) != 12 || all[1].Model != "One (SF-1)" || all[2].Streaming || all[252].ID != "shop-000249" {
		t.Fatalf("devices: %+v %+v %+v … %+v", all[0], all[1], all[2], all[252])
	}

	p, err := f.client.Devices(ctx, 250, 100)
	if err != nil || p.Total != 253 || p.Offset != 250 || p.HasNext || len(p.Devices) != 3 {
		t.Fatalf("last page: %+v %v", p, err)
	}
	p, err = f.client.Devices(ctx, 0, 2)
	if err != nil || !p.HasNext || len(p.Devices) != 2 {
		t.Fatalf("first page: %+v %v", p, err)
	}
	for _, c := range [][2]int{{-1, 10}, {0, 0}, {0, 101}} {
		if _, err := f.client.Devices(ctx, c[0], c[1]); err == nil || pos.ClassOf(err) != 0 {
			t.Fatalf("page %v: %v", c, err)
		}
	}
}

// TestStillAtRecordedSecond: the picture of a recorded second is the
// camera's JPEG, the same as the simulator draws for that second.
func TestStillAtRecordedSecond(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	at := t0.Add(-10 * time.Minute)
	a := wantJPEG(t)(f.client.Still(ctx, register, at))
	if b := wantJPEG(t)(f.client.Still(ctx, register, at.UTC().Add(200*time.Millisecond))); !bytes.Equal(a, b) {
		t.Fatal("the same second (in another zone, 0.2 s later) gave another picture")
	}
	if c := wantJPEG(t)(f.client.Still(ctx, register, at.Add(time.Second))); bytes.Equal(a, c) {
		t.Fatal("the next second gave the same picture")
	}
	// Exactly MediaDelay ago is readable.
	wantJPEG(t)(f.client.Still(ctx, register, t0.Add(-camera.MediaDelay)))
	// The live thumbnail, also of a camera that is off: its last picture.
	wantJPEG(t)(f.client.Thumbnail(ctx, register))
	f.clock.Set(time.Date(2026, 11, 24, 2, 0, 0, 0, jst))
	wantJPEG(t)(f.client.Thumbnail(ctx, entrance))
}

// TestStillWithoutRecording: at night for a camera switched off, in a
// gap, in a power cut injected through the control API, before the
// camera first recorded: no recording, final.
func TestStillWithoutRecording(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := http.Post(f.url+"/_sim/devices/"+register+"/power_cuts", "application/json",
		strings.NewReader(`{"from":"`+t0.Add(-50*time.Minute).Format(time.RFC3339)+`","duration":"20m"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("power cut: %d", res.StatusCode)
	}
	for name, c := range map[string]struct {
		dev string
		at  time.Time
	}{
		"night":          {entrance, time.Date(2026, 11, 23, 3, 0, 0, 0, jst)},
		"gap":            {register, gapFrom.Add(10 * time.Minute)},
		"power cut":      {register, t0.Add(-40 * time.Minute)},
		"before any":     {register, since.Add(-time.Hour)},
		"never recorded": {backyard, t0.Add(-time.Hour)},
		"the gap's last": {register, gapTo.Add(-1500 * time.Millisecond)},
		"midnight":       {entrance, time.Date(2026, 11, 23, 0, 0, 0, 0, jst)},
	} {
		_, err := f.client.Still(ctx, c.dev, c.at)
		if e := wantErr(t, err, pos.NotFound, camera.ReasonNoRecording); e.Status != http.StatusNotFound || e.Account != c.dev || e.RetryAfter != 0 {
			t.Fatalf("%s: %+v", name, e)
		}
	}
	// The register camera records all night; the entrance camera before
	// the gap and after it.
	wantJPEG(t)(f.client.Still(ctx, register, time.Date(2026, 11, 23, 3, 0, 0, 0, jst)))
	wantJPEG(t)(f.client.Still(ctx, register, gapTo.Add(time.Second)))
	// A camera that never recorded has no thumbnail either.
	_, err = f.client.Thumbnail(ctx, backyard)
	wantErr(t, err, pos.NotFound, camera.ReasonNoRecording)
}

// TestStillTooEarly: a moment less than MediaDelay ago is not asked for;
// when poslink's clock runs ahead of the cloud's, the cloud's 404 still
// reads as "not yet", and the picture comes once the cloud has it.
func TestStillTooEarly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.client.Still(ctx, register, t0.Add(-10*time.Second))
	if e := wantErr(t, err, pos.Unavailable, camera.ReasonNotYetAvailable); e.RetryAfter != 50*time.Second || e.Status != 0 {
		t.Fatalf("not yet: %+v", e)
	}
	_, err = f.client.Still(ctx, register, t0.Add(time.Hour))
	if e := wantErr(t, err, pos.Unavailable, camera.ReasonNotYetAvailable); e.RetryAfter != time.Hour+time.Minute {
		t.Fatalf("in the future: %+v", e)
	}
	if n := f.requests.Load(); n != 0 {
		t.Fatalf("%d requests for moments too recent", n)
	}

	ahead := f.newClient(key, 30*time.Second)
	at := t0.Add(-40 * time.Second)
	_, err = ahead.Still(ctx, register, at)
	if e := wantErr(t, err, pos.Unavailable, camera.ReasonNotYetAvailable); e.Status != http.StatusNotFound || e.RetryAfter != 15*time.Second {
		t.Fatalf("cloud behind: %+v", e)
	}
	f.clock.Advance(time.Minute)
	wantJPEG(t)(ahead.Still(ctx, register, at))
	// Out of the grace, the cloud's 404 is final.
	_, err = ahead.Still(ctx, register, gapFrom.Add(time.Minute))
	wantErr(t, err, pos.NotFound, camera.ReasonNoRecording)
}

func TestKeyRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	check := func(c *camera.Client, status int) {
		t.Helper()
		_, err := c.AllDevices(ctx)
		if e := wantErr(t, err, pos.CredentialsRefused, ""); e.Status != status {
			t.Fatalf("devices: %+v", e)
		}
		_, err = c.Still(ctx, register, t0.Add(-time.Hour))
		wantErr(t, err, pos.CredentialsRefused, "")
		_, err = c.Thumbnail(ctx, register)
		wantErr(t, err, pos.CredentialsRefused, "")
		_, err = c.Recordings(ctx, register, t0.Add(-2*time.Hour), t0.Add(-time.Hour))
		wantErr(t, err, pos.CredentialsRefused, "")
	}
	check(f.newClient("wrong-"+key, 0), http.StatusUnauthorized)
	before := f.requests.Load()
	check(f.newClient("", 0), 0)
	if f.requests.Load() != before {
		t.Fatal("a client without a key sent requests")
	}
	if err := f.sim.RevokeKey(key); err != nil {
		t.Fatal(err)
	}
	check(f.client, http.StatusUnauthorized)
}

func TestUnknownDevice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"cam-nowhere", "../devices", "a b/c?d"} {
		_, err := f.client.Still(ctx, id, t0.Add(-time.Hour))
		wantErr(t, err, pos.NotFound, "")
		_, err = f.client.Thumbnail(ctx, id)
		wantErr(t, err, pos.NotFound, "")
		_, err = f.client.Recordings(ctx, id, t0.Add(-2*time.Hour), t0.Add(-time.Hour))
		wantErr(t, err, pos.NotFound, "")
	}
	if _, err := f.client.Still(ctx, "", t0.Add(-time.Hour)); err == nil || pos.ClassOf(err) != 0 {
		t.Fatalf("empty device ID: %v", err)
	}
}

// TestRateLimitedDownAndSlow: the simulator's faults, on every call.
func TestRateLimitedDownAndSlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"devices":    func() error { _, err := f.client.AllDevices(ctx); return err },
		"still":      func() error { _, err := f.client.Still(ctx, register, t0.Add(-time.Hour)); return err },
		"thumbnail":  func() error { _, err := f.client.Thumbnail(ctx, register); return err },
		"recordings": func() error { _, err := f.client.Recordings(ctx, register, t0.Add(-2*time.Hour), t0); return err },
	}
	for name, call := range calls {
		f.sim.Faults().Burst(1, 3*time.Second)
		if e := wantErr(t, call(), pos.RateLimited, ""); e.RetryAfter != 3*time.Second || e.Status != http.StatusTooManyRequests {
			t.Fatalf("%s: %+v", name, e)
		}
		if err := call(); err != nil {
			t.Fatalf("%s after the burst: %v", name, err)
		}

		f.sim.Faults().Set(fault.Settings{Down: []fault.Window{{From: t0, To: t0.Add(time.Minute)}}})
		if e := wantErr(t, call(), pos.Unavailable, ""); e.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s down: %+v", name, e)
		}

		f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(2 * time.Second)})
		patient := f.client
		f.client = f.newClientWithin(key, 0, 300*time.Millisecond)
		err := call()
		if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 300*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s slow: %+v", name, e)
		}
		f.client = patient
		f.sim.Faults().Set(fault.Settings{})
	}

	// The caller's context ends the call too.
	f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(2 * time.Second)})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := f.client.Thumbnail(cctx, register)
	if wantErr(t, err, pos.Unavailable, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	c := camera.New(camera.Config{BaseURL: ts.URL, APIKey: key, Timeout: time.Second})
	_, err := c.Thumbnail(context.Background(), register)
	if e := wantErr(t, err, pos.Unavailable, ""); e.Waited != 0 || e.Status != 0 {
		t.Fatalf("refused: %+v", e)
	}
}

// TestNoGoroutinesLeftBehind: calls that succeed, time out or are
// cancelled leave no goroutine once the idle connections are closed (the
// client starts none; net/http's end with their connections).
func TestNoGoroutinesLeftBehind(t *testing.T) {
	f := newFixture(t)
	hc := &http.Client{}
	c := camera.New(camera.Config{BaseURL: f.url, APIKey: key, HTTPClient: hc, Timeout: 10 * time.Second,
		Now: f.clock.Now})
	// The same transport with a short limit, for the calls that time out.
	hasty := camera.New(camera.Config{BaseURL: f.url, APIKey: key, HTTPClient: hc, Timeout: 200 * time.Millisecond,
		Now: f.clock.Now})
	ctx := context.Background()
	if _, err := c.AllDevices(ctx); err != nil { // warm: the server's own goroutines start
		t.Fatal(err)
	}
	hc.CloseIdleConnections()
	base := runtime.NumGoroutine()

	for range 5 {
		if _, err := c.Still(ctx, register, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recordings(ctx, entrance, t0.Add(-48*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
	}
	f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(time.Second)})
	for range 3 {
		_, err := hasty.Thumbnail(ctx, register)
		wantErr(t, err, pos.Unavailable, "")
	}
	f.sim.Faults().Set(fault.Settings{})
	hc.CloseIdleConnections()
	if n := settledGoroutines(base); n > base {
		t.Fatalf("%d goroutines after the calls, %d before", n, base)
	}
}

// settledGoroutines waits (a few seconds at most) for the number of
// goroutines to come down to want, and returns it.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(50 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}
