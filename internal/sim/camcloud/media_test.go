package camcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// media asks for the recorded periods of dev in [start, end), written in
// the zone of start.
func (f *fixture) media(t testing.TB, key, dev string, start, end time.Time) (*http.Response, []byte) {
	t.Helper()
	q := url.Values{"start": {start.Format(time.RFC3339Nano)}, "end": {end.In(start.Location()).Format(time.RFC3339Nano)}}
	return f.get(t, "/v2/devices/"+dev+"/media?"+q.Encode(), key)
}

// periods decodes a 200 answer of /media into [from, to) pairs:
// periods(t)(f.media(...)).
func periods(t testing.TB) func(resp *http.Response, body []byte) [][2]time.Time {
	return func(resp *http.Response, body []byte) [][2]time.Time {
		t.Helper()
		return decodePeriods(t, resp, body)
	}
}

func decodePeriods(t testing.TB, resp *http.Response, body []byte) [][2]time.Time {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("media: %d %s", resp.StatusCode, body)
	}
	var l struct {
		List []struct {
			Timestamp string `json:"timestamp"`
			Duration  int64  `json:"duration"`
		} `json:"list"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil || l.List == nil {
		t.Fatalf("media body %s: %v", body, err)
	}
	var out [][2]time.Time
	for _, p := range l.List {
		from, err := time.Parse(time.RFC3339Nano, p.Timestamp)
		if err != nil || p.Duration <= 0 {
			t.Fatalf("period %+v: %v", p, err)
		}
		out = append(out, [2]time.Time{from, from.Add(time.Duration(p.Duration) * time.Millisecond)})
	}
	return out
}

func wantPeriods(t testing.TB, got [][2]time.Time, want ...time.Time) {
	t.Helper()
	ok := len(got)*2 == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i][0].Equal(want[2*i]) && got[i][1].Equal(want[2*i+1])
	}
	if !ok {
		t.Fatalf("periods %v, want %v", got, want)
	}
}

// TestMediaListsRecordedPeriods: the register camera's gap splits the
// window in two; the answer is in the zone of start, to the millisecond.
func TestMediaListsRecordedPeriods(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	start, end := gapFrom.Add(-30*time.Minute).In(jst), gapTo.Add(30*time.Minute)
	resp, body := f.media(t, key, register, start, end)
	wantPeriods(t, periods(t)(resp, body), start, gapFrom, gapTo, end)
	want := fmt.Sprintf(`{"list":[{"timestamp":"%s","duration":1800000},{"timestamp":"%s","duration":1800000}]}`+"\n",
		start.Format(time.RFC3339), gapTo.In(jst).Format(time.RFC3339))
	if string(body) != want {
		t.Fatalf("body %s, want %s", body, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}

	// A window with no recording at all: an empty list, not null.
	resp, body = f.media(t, key, register, gapFrom.Add(time.Minute), gapTo.Add(-time.Minute))
	if resp.StatusCode != http.StatusOK || string(body) != `{"list":[]}`+"\n" {
		t.Fatalf("inside the gap: %d %s", resp.StatusCode, body)
	}
	// Fractions of a second at the window's edges are kept.
	s2, e2 := gapTo.Add(-1500*time.Millisecond), gapTo.Add(1250*time.Millisecond+time.Minute)
	wantPeriods(t, periods(t)(f.media(t, key, register, s2, e2)), gapTo, e2)
	// Before the camera first recorded.
	since := demo[0].RecordingSince
	wantPeriods(t, periods(t)(f.media(t, key, register, since.Add(-time.Hour), since.Add(time.Hour))), since, since.Add(time.Hour))
	resp, body = f.media(t, key, "demo-cam-backyard", t0.Add(-2*time.Hour), t0.Add(-time.Hour))
	if string(body) != `{"list":[]}`+"\n" {
		t.Fatalf("a camera that has not recorded yet: %d %s", resp.StatusCode, body)
	}
}

// TestCameraOffAtNight: the entrance camera is switched off with the
// lights, from 30 minutes after closing to 30 minutes before opening: no
// period then, no picture, not streaming, and its thumbnail is its last
// picture of the evening.
func TestCameraOffAtNight(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	const entrance = "demo-cam-entrance"
	open, closing := hoursOf(42, hashString(entrance))
	y, m, d := t0.In(jst).Date()
	off := time.Date(y, m, d, 0, closing+lightsEarly, 0, 0, jst)
	on := time.Date(y, m, d+1, 0, open-lightsEarly, 0, 0, jst)

	f.clock.Set(off.Add(24 * time.Hour))
	wantPeriods(t, periods(t)(f.media(t, key, entrance, off.Add(-time.Hour), off.Add(23*time.Hour))),
		off.Add(-time.Hour), off, on, off.Add(23*time.Hour))
	// The register camera records all night.
	wantPeriods(t, periods(t)(f.media(t, key, register, off.Add(-time.Hour), off.Add(23*time.Hour))),
		off.Add(-time.Hour), off.Add(23*time.Hour))

	for _, at := range []time.Time{off.Add(2 * time.Second), off.Add(3 * time.Hour), on.Add(-2 * time.Second)} {
		resp, body := f.image(t, key, entrance, at)
		wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")
	}
	okJPEG(t)(f.image(t, key, entrance, on))

	f.clock.Set(off.Add(2 * time.Hour))
	_, body := f.get(t, "/v2/devices", key)
	var l deviceList
	if err := json.Unmarshal(body, &l); err != nil || l.List[0].Status.VideoStreaming != true || l.List[1].Status.VideoStreaming != false {
		t.Fatalf("streaming at night: %s", body)
	}
	thumb := okJPEG(t)(f.get(t, "/v2/devices/"+entrance+"/thumbnail", key))
	if last := okJPEG(t)(f.image(t, key, entrance, off.Add(-time.Second))); !bytes.Equal(thumb, last) {
		t.Fatal("at night the thumbnail is not the last picture of the evening")
	}
	resp, body := f.get(t, "/v2/devices/"+entrance+"/image", key)
	wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")
}

// TestNightDrawnFromTheSeed: a camera that does not say draws whether it
// records at night from the seed, about a third of them not; the same
// seed draws the same.
func TestNightDrawnFromTheSeed(t *testing.T) {
	offline := func(seed uint64) (n int, ids []bool) {
		for i := range 300 {
			off := offlineAtNight(seed, hashString(fmt.Sprintf("shop-%06d", i)), "")
			ids = append(ids, off)
			if off {
				n++
			}
		}
		return n, ids
	}
	n, a := offline(42)
	if n < 70 || n > 130 {
		t.Fatalf("%d of 300 cameras off at night, want about 100", n)
	}
	if _, b := offline(42); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same seed drew other nights")
	}
	if offlineAtNight(42, 1, NightRecord) || !offlineAtNight(42, 1, NightOffline) {
		t.Fatal("an explicit night setting was not followed")
	}

	// Over HTTP, a synthetic camera drawn to be off at night has a night gap.
	f := newFixture(t, 42)
	if _, err := f.srv.AddRange(Range{Prefix: "shop-", Count: 300}); err != nil {
		t.Fatal(err)
	}
	k, err := f.srv.CreateKey(Key{Ranges: []string{"shop-"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, off := range a {
		if !off {
			continue
		}
		id := fmt.Sprintf("shop-%06d", i)
		start := t0.Add(-24 * time.Hour)
		if got := periods(t)(f.media(t, k.Key, id, start, t0.Add(-time.Hour))); len(got) != 2 {
			t.Fatalf("%s: periods %v, want the day split by the night", id, got)
		}
		break
	}
}

// TestPowerCut: a power cut injected through the control API is a gap in
// /media, in the pictures and in the streaming status, from then on.
func TestPowerCut(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	resp, body := f.do(t, http.MethodPost, "/_sim/devices/"+register+"/power_cuts", "", map[string]any{"duration": "20m"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("power cut: %d %s", resp.StatusCode, body)
	}
	want := fmt.Sprintf(`{"device_id":%q,"power_cuts":[{"from":%q,"to":%q}]}`+"\n", register,
		t0.Format(time.RFC3339Nano), t0.Add(20*time.Minute).Format(time.RFC3339Nano))
	if string(body) != want {
		t.Fatalf("power cut answer %s, want %s", body, want)
	}
	_, body = f.get(t, "/v2/devices?limit=1", key)
	if !bytes.Contains(body, []byte(`"video_streaming":false`)) {
		t.Fatalf("streaming during the power cut: %s", body)
	}
	thumb := okJPEG(t)(f.get(t, "/v2/devices/"+register+"/thumbnail", key))
	f.clock.Advance(30 * time.Minute)
	if last := okJPEG(t)(f.image(t, key, register, t0.Add(-time.Second))); !bytes.Equal(thumb, last) {
		t.Fatal("thumbnail during the power cut is not the last picture before it")
	}
	wantPeriods(t, periods(t)(f.media(t, key, register, t0.Add(-5*time.Minute), t0.Add(25*time.Minute))),
		t0.Add(-5*time.Minute), t0, t0.Add(20*time.Minute), t0.Add(25*time.Minute))
	resp, body = f.image(t, key, register, t0.Add(10*time.Minute))
	wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")

	// A second cut, given by its ends, on a synthetic camera too; the
	// state lists them.
	if _, err := f.srv.AddRange(Range{Prefix: "shop-", Count: 3}); err != nil {
		t.Fatal(err)
	}
	resp, body = f.do(t, http.MethodPost, "/_sim/devices/shop-000002/power_cuts", "",
		map[string]any{"from": t0.Add(-2 * time.Hour), "to": t0.Add(-time.Hour)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("power cut of a synthetic camera: %d %s", resp.StatusCode, body)
	}
	_, body = f.get(t, "/_sim/devices", "")
	var state struct {
		PowerCuts map[string][]Gap `json:"power_cuts"`
	}
	if err := json.Unmarshal(body, &state); err != nil || len(state.PowerCuts[register]) != 1 || len(state.PowerCuts["shop-000002"]) != 1 {
		t.Fatalf("state: %v %s", err, body)
	}
	// Putting the device again keeps its power cuts.
	if _, err := f.srv.PutDevice(demo[0]); err != nil {
		t.Fatal(err)
	}
	resp, body = f.image(t, key, register, t0.Add(10*time.Minute))
	wantMessage(t, resp, body, http.StatusNotFound, "no recorded media")

	for _, c := range []struct {
		path   string
		body   any
		status int
		says   string
	}{
		{"/_sim/devices/nowhere/power_cuts", map[string]any{"duration": "1m"}, http.StatusNotFound, "no device"},
		{"/_sim/devices/" + register + "/power_cuts", map[string]any{}, http.StatusBadRequest, "either to or a positive duration"},
		{"/_sim/devices/" + register + "/power_cuts", map[string]any{"to": t0, "duration": "1m"}, http.StatusBadRequest, "either"},
		{"/_sim/devices/" + register + "/power_cuts", map[string]any{"from": t0, "to": t0.Add(-time.Minute)}, http.StatusBadRequest, "must end after"},
		{"/_sim/devices/" + register + "/power_cuts", map[string]any{"duration": "soon"}, http.StatusBadRequest, "duration"},
		{"/_sim/devices/" + register + "/power_cuts", map[string]any{"duration": "1m", "why": "storm"}, http.StatusBadRequest, "unknown field"},
	} {
		resp, body := f.do(t, http.MethodPost, c.path, "", c.body)
		wantMessage(t, resp, body, c.status, c.says)
	}
}

// TestMediaAgreesWithImages: around every edge of recording (a gap, a
// night, the first recording, a power cut at a fraction of a second), the
// image of a second is that second's frame exactly when /media lists the
// second as recorded.
func TestMediaAgreesWithImages(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	const entrance = "demo-cam-entrance"
	cut := t0.Add(-40*time.Minute + 300*time.Millisecond)
	if _, err := f.srv.PowerCut(entrance, Gap{From: cut, To: cut.Add(90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	open, closing := hoursOf(42, hashString(entrance))
	y, m, d := t0.In(jst).Date()
	night := time.Date(y, m, d-1, 0, closing+lightsEarly, 0, 0, jst)
	morning := time.Date(y, m, d, 0, open-lightsEarly, 0, 0, jst)
	since := demo[1].RecordingSince
	for _, edge := range []time.Time{since, night, morning, cut, cut.Add(90 * time.Second)} {
		edge = edge.Truncate(time.Second)
		start, end := edge.Add(-5*time.Second), edge.Add(time.Minute)
		ps := periods(t)(f.media(t, key, entrance, start, end))
		for s := start; s.Before(start.Add(10 * time.Second)); s = s.Add(time.Second) {
			listed := false
			for _, p := range ps {
				listed = listed || (!s.Before(p[0]) && s.Before(p[1]))
			}
			// If-None-Match: * answers 304 with the frame's headers,
			// without drawing it.
			resp, body := f.get(t, "/v2/devices/"+entrance+"/image?timestamp="+url.QueryEscape(s.Add(250*time.Millisecond).Format(time.RFC3339Nano)),
				key, "If-None-Match", "*")
			framed := resp.StatusCode == http.StatusNotModified && resp.Header.Get("Last-Modified") == s.UTC().Format(http.TimeFormat)
			if listed != framed {
				t.Fatalf("edge %v, second %v: listed %v, image %d %s %s", edge, s, listed, resp.StatusCode, resp.Header.Get("Last-Modified"), body)
			}
		}
	}
}

func TestMediaBadParameters(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	path := "/v2/devices/" + register + "/media?"
	ts := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	a, b := t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	for _, c := range []struct{ query, says string }{
		{"end=" + ts(b), "start is required"},
		{"start=" + ts(a), "end is required"},
		{"start=yesterday&end=" + ts(b), "start: timestamp must be ISO 8601"},
		{"start=" + ts(a) + "&end=2026-11-23T12:00:00", "end: timestamp must be ISO 8601"},
		{"start=" + ts(a) + "&end=" + ts(b.In(jst)), "same time zone"},
		{"start=" + ts(b) + "&end=" + ts(a), "1 minute to 1 day"},
		{"start=" + ts(a) + "&end=" + ts(a.Add(59*time.Second)), "1 minute to 1 day"},
		{"start=" + ts(a.Add(-24*time.Hour-time.Second)) + "&end=" + ts(a), "1 minute to 1 day"},
		{"start=" + ts(t0.Add(-time.Hour)) + "&end=" + ts(t0.Add(-59*time.Second)), "at least 1 minute before"},
		{"start=" + ts(t0.Add(-time.Hour)) + "&end=" + ts(t0.Add(time.Hour)), "at least 1 minute before"},
	} {
		resp, body := f.get(t, path+c.query, key)
		wantMessage(t, resp, body, http.StatusBadRequest, c.says)
	}
	// The limits themselves are allowed: exactly a minute, a day, a minute ago.
	for _, q := range []string{
		"start=" + ts(a) + "&end=" + ts(a.Add(time.Minute)),
		"start=" + ts(a.Add(-24*time.Hour)) + "&end=" + ts(a),
		"start=" + ts(t0.Add(-time.Hour)) + "&end=" + ts(t0.Add(-time.Minute)),
	} {
		if resp, body := f.get(t, path+q, key); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
	q := "start=" + ts(a) + "&end=" + ts(b)
	resp, body := f.get(t, "/v2/devices/nowhere/media?"+q, key)
	wantMessage(t, resp, body, http.StatusNotFound, "device not found")
	resp, body = f.get(t, path+q, "")
	wantMessage(t, resp, body, http.StatusUnauthorized, "Safie-API-Key")
	resp, body = f.get(t, path+q, "wrong-key")
	wantMessage(t, resp, body, http.StatusUnauthorized, "invalid API key")
}

// TestMediaDeterministic: the same seed and clock give the same bytes for
// synthetic cameras, whose nights are drawn.
func TestMediaDeterministic(t *testing.T) {
	answer := func(seed uint64) []byte {
		f := newFixture(t, seed)
		if _, err := f.srv.AddRange(Range{Prefix: "shop-", Count: 50}); err != nil {
			t.Fatal(err)
		}
		k, err := f.srv.CreateKey(Key{Ranges: []string{"shop-"}})
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		for i := range 50 {
			_, body := f.media(t, k.Key, fmt.Sprintf("shop-%06d", i), t0.Add(-24*time.Hour), t0.Add(-time.Hour))
			all = append(all, body...)
		}
		return all
	}
	a, b, c := answer(7), answer(7), answer(8)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave other periods")
	}
	if bytes.Equal(a, c) {
		t.Fatal("another seed gave the same periods for 50 cameras")
	}
}
