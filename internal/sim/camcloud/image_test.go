package camcloud

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"net/http"
	"net/url"
	"testing"
	"time"
)

const register = "demo-cam-register"

// okJPEG checks a frame answer and returns its body:
// okJPEG(t)(f.image(...)).
func okJPEG(t *testing.T) func(resp *http.Response, body []byte) []byte {
	return func(resp *http.Response, body []byte) []byte {
		t.Helper()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
			t.Fatalf("Content-Type %q", ct)
		}
		img, err := jpeg.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("not a JPEG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != FrameWidth || b.Dy() != FrameHeight {
			t.Fatalf("frame is %v, want %dx%d", b, FrameWidth, FrameHeight)
		}
		if len(body) > 60<<10 {
			t.Fatalf("frame is %d bytes, want a few tens of KB", len(body))
		}
		return body
	}
}

func TestImageAtTimestamp(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	at := t0.Add(-10 * time.Minute)
	first := okJPEG(t)(f.image(t, key, register, at))

	// Minutes apart: another picture (the clock, the people, the OSD).
	if other := okJPEG(t)(f.image(t, key, register, at.Add(-5*time.Minute))); bytes.Equal(first, other) {
		t.Fatal("frames five minutes apart are equal")
	}
	// The same second, asked again or in another zone: the same bytes.
	if again := okJPEG(t)(f.image(t, key, register, at.In(jst))); !bytes.Equal(first, again) {
		t.Fatal("the same second gave different bytes")
	}
	// Nearest frame: within half a second either way it is the same frame;
	// 0.6 s later it is the next second's.
	for _, d := range []time.Duration{400 * time.Millisecond, -400 * time.Millisecond, 500 * time.Millisecond} {
		if near := okJPEG(t)(f.image(t, key, register, at.Add(d))); !bytes.Equal(first, near) {
			t.Fatalf("%v from the second gave another frame", d)
		}
	}
	next := okJPEG(t)(f.image(t, key, register, at.Add(time.Second)))
	if bytes.Equal(first, next) {
		t.Fatal("consecutive seconds are equal")
	}
	if got := okJPEG(t)(f.image(t, key, register, at.Add(600*time.Millisecond))); !bytes.Equal(next, got) {
		t.Fatal("0.6 s after a second is not the next second's frame")
	}

	// Deterministic caching headers, and a cheap revalidation.
	resp, _ := f.image(t, key, register, at)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm != at.UTC().Format(http.TimeFormat) || resp.Header.Get("Cache-Control") == "" {
		t.Fatalf("headers: ETag %q Last-Modified %q Cache-Control %q", etag, lm, resp.Header.Get("Cache-Control"))
	}
	q := "/v2/devices/" + register + "/image?timestamp=" + url.QueryEscape(at.Format(time.RFC3339))
	if resp, body := f.get(t, q, key, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("If-None-Match: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := f.get(t, q, key, "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-Modified-Since: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, q, key, "If-None-Match", `"other"`); resp.StatusCode != http.StatusOK {
		t.Fatalf("stale ETag: %d", resp.StatusCode)
	}
}

// TestThumbnailIsNow: the thumbnail and the image without a timestamp
// are the live picture; the recording of that second can be read a
// minute later, the same picture.
func TestThumbnailIsNow(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	f.clock.Set(t0.Add(1234 * time.Millisecond)) // between two seconds
	thumb := okJPEG(t)(f.get(t, "/v2/devices/"+register+"/thumbnail", key))
	if latest := okJPEG(t)(f.get(t, "/v2/devices/"+register+"/image", key)); !bytes.Equal(thumb, latest) {
		t.Fatal("thumbnail differs from the image without timestamp")
	}
	now := f.clock.Now()
	for _, at := range []time.Time{now, now.Add(-MediaDelay + time.Second)} {
		resp, body := f.image(t, key, register, at)
		wantMessage(t, resp, body, http.StatusNotFound, "yet")
	}
	f.clock.Advance(MediaDelay)
	if rec := okJPEG(t)(f.image(t, key, register, now)); !bytes.Equal(thumb, rec) {
		t.Fatal("the recording of a second differs from its live picture")
	}
	f.clock.Advance(time.Second)
	if later := okJPEG(t)(f.get(t, "/v2/devices/"+register+"/thumbnail", key)); bytes.Equal(thumb, later) {
		t.Fatal("the thumbnail did not change with the clock")
	}
}

func TestImageOutsideRecordedMedia(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	since := demo[0].RecordingSince
	for name, c := range map[string]struct {
		dev  string
		at   time.Time
		says string
	}{
		"before recording":          {register, since.Add(-2 * time.Second), "no recorded media"},
		"in a gap":                  {register, gapFrom.Add(30 * time.Minute), "no recorded media"},
		"in a gap, past ±1 s":       {register, gapFrom.Add(300 * time.Millisecond), "no recorded media"},
		"in the future":             {register, t0.Add(5 * time.Minute), "future"},
		"just after now":            {register, t0.Add(time.Millisecond), "future"},
		"never recorded yet":        {"demo-cam-backyard", t0.Add(-time.Hour), "no recorded media"},
		"unknown device":            {"demo-cam-nowhere", t0, "device not found"},
		"another tenant's (no key)": {"bench-000001", t0, "device not found"},
	} {
		resp, body := f.image(t, key, c.dev, c.at)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", name, resp.StatusCode)
		}
		wantMessage(t, resp, body, http.StatusNotFound, c.says)
	}
	// Within 1 s of recorded media the nearest frame is served: the last
	// before the gap, the first after it, the first of the recording.
	for _, c := range []struct{ at, frame time.Time }{
		{gapFrom, gapFrom.Add(-time.Second)},
		{gapFrom.Add(-200 * time.Millisecond), gapFrom.Add(-time.Second)},
		{gapTo.Add(-300 * time.Millisecond), gapTo},
		{since.Add(-time.Second), since},
	} {
		got := okJPEG(t)(f.image(t, key, register, c.at))
		if want := okJPEG(t)(f.image(t, key, register, c.frame)); !bytes.Equal(got, want) {
			t.Fatalf("at %v: not the frame of %v", c.at, c.frame)
		}
	}
	// The backyard camera has no thumbnail before it first records.
	resp, body := f.get(t, "/v2/devices/demo-cam-backyard/thumbnail", key)
	wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")
}

// TestOfflineCamera: in a gap the camera does not stream, has no live
// image, and its thumbnail is the last frame before it went offline.
func TestOfflineCamera(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	f.clock.Set(gapFrom.Add(10 * time.Minute))
	_, body := f.get(t, "/v2/devices?limit=1", key)
	var l deviceList
	if err := json.Unmarshal(body, &l); err != nil || len(l.List) != 1 || l.List[0].Status.VideoStreaming {
		t.Fatalf("offline camera listed as %s", body)
	}
	resp, body := f.get(t, "/v2/devices/"+register+"/image", key)
	wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")
	thumb := okJPEG(t)(f.get(t, "/v2/devices/"+register+"/thumbnail", key))
	if last := okJPEG(t)(f.image(t, key, register, gapFrom.Add(-time.Second))); !bytes.Equal(thumb, last) {
		t.Fatal("thumbnail of an offline camera is not its last frame")
	}
}

func TestMalformedTimestamp(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	for _, ts := range []string{"yesterday", "2026-11-23T12:30:00", "2026-11-23", "1764000000", "2026-11-23T25:00:00+09:00", ""} {
		resp, body := f.get(t, "/v2/devices/"+register+"/image?timestamp="+url.QueryEscape(ts), key)
		wantMessage(t, resp, body, http.StatusBadRequest, "ISO 8601")
	}
	// A '+' sent unencoded arrives as a space: say so.
	resp, body := f.get(t, "/v2/devices/"+register+"/image?timestamp=2026-11-23T12:30:00+09:00", key)
	wantMessage(t, resp, body, http.StatusBadRequest, "%2B")
	// Accepted forms: Z, a fraction, an offset without a colon.
	for _, ts := range []string{"2026-11-23T03:20:00Z", "2026-11-23T12:20:00.25+09:00", "2026-11-23T12:20:00+0900"} {
		okJPEG(t)(f.get(t, "/v2/devices/"+register+"/image?timestamp="+url.QueryEscape(ts), key))
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)

	// A burst of 429 set through the shared admin endpoint.
	resp, body := f.do(t, http.MethodPut, "/_sim/faults", "", map[string]any{"burst_429": 2, "retry_after": "3s"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("faults: %d %s", resp.StatusCode, body)
	}
	for range 2 {
		resp, body := f.get(t, "/v2/devices", key)
		wantMessage(t, resp, body, http.StatusTooManyRequests, "Too Many Requests")
		if ra := resp.Header.Get("Retry-After"); ra != "3" {
			t.Fatalf("Retry-After %q", ra)
		}
	}
	if resp, _ := f.get(t, "/v2/devices", key); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the burst: %d", resp.StatusCode)
	}

	// Downtime on the simulated clock: 503 until the clock leaves it. The
	// control endpoints stay up.
	f.srv.Faults().AddDowntime(t0, t0.Add(time.Minute))
	resp, body = f.get(t, "/v2/devices/"+register+"/thumbnail", key)
	wantMessage(t, resp, body, http.StatusServiceUnavailable, "Service Unavailable")
	resp, body = f.do(t, http.MethodPost, "/_sim/clock", "", map[string]any{"advance": "2m"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("clock: %d %s", resp.StatusCode, body)
	}
	okJPEG(t)(f.get(t, "/v2/devices/"+register+"/thumbnail", key))
}

// TestDeterminism: two simulators with the same seed and clock, set up the
// same way, answer byte for byte the same; another seed does not.
func TestDeterminism(t *testing.T) {
	setup := func(seed uint64) (*fixture, string) {
		f := newFixture(t, seed)
		key := f.withDemo(t) // a key drawn from the seed
		if _, err := f.srv.AddRange(Range{Prefix: "shop-", Count: 500}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.srv.Link(Key{Key: key, Ranges: []string{"shop-"}}); err != nil {
			t.Fatal(err)
		}
		return f, key
	}
	a, ka := setup(7)
	b, kb := setup(7)
	c, kc := setup(8)
	if ka != kb || ka == kc {
		t.Fatalf("generated keys: %s %s %s", ka, kb, kc)
	}
	paths := []string{
		"/v2/devices?offset=0&limit=100",
		"/v2/devices?offset=250&limit=100",
		"/v2/devices/" + register + "/thumbnail",
		"/v2/devices/shop-000321/thumbnail",
		"/v2/devices/" + register + "/image?timestamp=" + url.QueryEscape(t0.Add(-time.Hour).Format(time.RFC3339)),
	}
	for _, p := range paths {
		ra, ba := a.get(t, p, ka)
		rb, bb := b.get(t, p, kb)
		if ra.StatusCode != http.StatusOK || !bytes.Equal(ba, bb) || ra.Header.Get("ETag") != rb.Header.Get("ETag") {
			t.Fatalf("%s: same seed, different answers (%d)", p, ra.StatusCode)
		}
		if _, bc := c.get(t, p, kc); bytes.Equal(ba, bc) {
			t.Fatalf("%s: another seed, the same answer", p)
		}
	}
}
