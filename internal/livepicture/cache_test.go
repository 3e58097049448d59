package livepicture_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/livepicture"
	"github.com/poslink/poslink/internal/sim/camcloud"
	"github.com/poslink/poslink/internal/sim/simclock"
)

const apiKey = "livepicture-test-key"

// fixture is the camera-cloud simulator over HTTP, counting the
// thumbnails it is asked for, and a camera client of it.
type fixture struct {
	clock *simclock.Clock
	sim   *camcloud.Server
	cam   *camera.Client
	calls atomic.Int64
	down  atomic.Bool
	// hold, when set, holds every thumbnail request until it is closed;
	// held is told of each.
	hold, held chan struct{}
}

func newFixture(t *testing.T, devices ...string) *fixture {
	t.Helper()
	f := &fixture{clock: simclock.NewFrozen(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))}
	f.sim = camcloud.New(camcloud.Config{Seed: 7, Clock: f.clock})
	for _, id := range devices {
		d := camcloud.Device{ID: id, Name: id, RecordingSince: f.clock.Now().AddDate(0, 0, -1), Night: camcloud.NightRecord}
		if id == "cam-new" { // installed, not recording yet
			d.RecordingSince = f.clock.Now().Add(time.Hour)
		}
		if _, err := f.sim.PutDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.sim.CreateKey(camcloud.Key{Key: apiKey, Devices: devices}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/thumbnail") {
			f.calls.Add(1)
			if f.hold != nil {
				f.held <- struct{}{}
				<-f.hold
			}
		}
		if f.down.Load() {
			http.Error(w, `{"message":"down"}`, http.StatusServiceUnavailable)
			return
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	f.cam = camera.New(camera.Config{BaseURL: ts.URL, APIKey: apiKey, Now: f.clock.Now, Timeout: 5 * time.Second})
	return f
}

func (f *fixture) cache(cfg livepicture.Config) *livepicture.Cache {
	cfg.Now = f.clock.Now
	return livepicture.New(f.cam, cfg)
}

func get(t *testing.T, c *livepicture.Cache, device string) livepicture.Picture {
	t.Helper()
	p, err := c.Get(context.Background(), device)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// However many viewers ask for one camera's picture at once, the camera
// cloud is asked once; they all get that picture until the TTL has
// passed, and the next viewer then reads a new one.
func TestOneCallPerTTL(t *testing.T) {
	f := newFixture(t, "cam-a")
	c := f.cache(livepicture.Config{TTL: 10 * time.Second})
	const viewers = 50
	pics := make([]livepicture.Picture, viewers)
	var wg sync.WaitGroup
	for i := range viewers {
		wg.Go(func() { pics[i] = get(t, c, "cam-a") })
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d viewers made %d calls, want 1", viewers, n)
	}
	for i, p := range pics {
		if p.State != livepicture.Ready || p.ETag != pics[0].ETag || !bytes.Equal(p.Image, pics[0].Image) {
			t.Fatalf("viewer %d got %s %s, viewer 0 %s", i, p.State, p.ETag, pics[0].ETag)
		}
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(pics[0].Image)); err != nil || cfg.Width != 640 || cfg.Height != 360 {
		t.Errorf("picture %d×%d (%v)", cfg.Width, cfg.Height, err)
	}

	f.clock.Advance(9 * time.Second)
	get(t, c, "cam-a")
	if n := f.calls.Load(); n != 1 {
		t.Errorf("within the TTL: %d calls", n)
	}
	f.clock.Advance(time.Second)
	if p := get(t, c, "cam-a"); p.State != livepicture.Ready || p.ETag == pics[0].ETag {
		t.Errorf("after the TTL: %s, same picture %v", p.State, p.ETag == pics[0].ETag)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("after the TTL: %d calls, want 2", n)
	}
}

// While one viewer's request reads a new picture, the others get the
// previous one at once instead of waiting or calling again.
func TestOthersGetThePreviousPictureMeanwhile(t *testing.T) {
	f := newFixture(t, "cam-a")
	c := f.cache(livepicture.Config{TTL: time.Second})
	first := get(t, c, "cam-a")
	f.clock.Advance(2 * time.Second)
	f.hold, f.held = make(chan struct{}), make(chan struct{}, 1)
	fresh := make(chan livepicture.Picture)
	go func() {
		p, _ := c.Get(context.Background(), "cam-a")
		fresh <- p
	}()
	<-f.held
	for range 5 {
		if p := get(t, c, "cam-a"); p.ETag != first.ETag {
			t.Fatalf("during the fetch: %s %s, want the previous picture", p.State, p.ETag)
		}
	}
	close(f.hold)
	if p := <-fresh; p.State != livepicture.Ready || p.ETag == first.ETag {
		t.Errorf("the fetch got %s, same picture %v", p.State, p.ETag == first.ETag)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// A viewer waiting for the first picture whose request ends stops
// waiting; the fetch goes on for the others.
func TestWaiterLeaves(t *testing.T) {
	f := newFixture(t, "cam-a")
	c := f.cache(livepicture.Config{})
	f.hold, f.held = make(chan struct{}), make(chan struct{}, 1)
	fetched := make(chan livepicture.Picture)
	go func() {
		p, _ := c.Get(context.Background(), "cam-a")
		fetched <- p
	}()
	<-f.held
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ctx, "cam-a"); err == nil {
		t.Error("a viewer gone still waited for the picture")
	}
	close(f.hold)
	if p := <-fetched; p.State != livepicture.Ready {
		t.Errorf("the fetch got %s", p.State)
	}
}

// The camera cloud's failures are states, each held for the TTL (one
// call), never errors.
func TestFailuresAreStates(t *testing.T) {
	f := newFixture(t, "cam-a", "cam-new")
	c := f.cache(livepicture.Config{TTL: 10 * time.Second})
	f.down.Store(true)
	for range 3 {
		if p := get(t, c, "cam-a"); p.State != livepicture.Unreachable || p.Image != nil {
			t.Errorf("cloud down: %s", p.State)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("cloud down: %d calls within the TTL, want 1", n)
	}
	f.down.Store(false)
	f.clock.Advance(10 * time.Second)
	if p := get(t, c, "cam-a"); p.State != livepicture.Ready {
		t.Errorf("cloud back: %s", p.State)
	}
	if p := get(t, c, "cam-new"); p.State != livepicture.NoPicture {
		t.Errorf("a camera that never recorded: %s", p.State)
	}
	if p := get(t, c, "cam-unknown"); p.State != livepicture.NoDevice {
		t.Errorf("a device the key does not reach: %s", p.State)
	}
	noKey := livepicture.New(camera.New(camera.Config{BaseURL: "http://127.0.0.1:1"}), livepicture.Config{})
	if p := get(t, noKey, "cam-a"); p.State != livepicture.Refused {
		t.Errorf("no API key: %s", p.State)
	}
}

// The cache keeps at most MaxEntries cameras, dropping the one read
// longest ago; pictures are made to fit the size asked.
func TestBoundedAndFitted(t *testing.T) {
	f := newFixture(t, "cam-a", "cam-b", "cam-c")
	c := f.cache(livepicture.Config{MaxEntries: 2, Width: 320, Height: 180})
	p := get(t, c, "cam-a")
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Image)); err != nil || cfg.Width != 320 || cfg.Height != 180 {
		t.Errorf("fitted picture %d×%d (%v)", cfg.Width, cfg.Height, err)
	}
	f.clock.Advance(time.Second)
	get(t, c, "cam-b")
	f.clock.Advance(time.Second)
	get(t, c, "cam-c") // cam-a goes
	get(t, c, "cam-c")
	get(t, c, "cam-b")
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d calls for three cameras, want 3", n)
	}
	get(t, c, "cam-a")
	if n := f.calls.Load(); n != 4 {
		t.Errorf("the camera dropped was not read again: %d calls", n)
	}
}
