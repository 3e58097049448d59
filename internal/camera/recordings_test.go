package camera_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/pos"
)

// TestRecordingsOverDays: three days are asked for a day at a time and
// come back as one list, joined across the days' edges, cut at the gap
// and, for the camera switched off at night, at each night; the last
// minute (and a margin) is left for later.
func TestRecordingsOverDays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	from := t0.Add(-72 * time.Hour)
	r, err := f.client.Recordings(ctx, register, from, t0)
	if err != nil {
		t.Fatal(err)
	}
	until := t0.Add(-camera.MediaDelay - 10*time.Second)
	want := []camera.Period{{Start: from, End: gapFrom}, {Start: gapTo, End: until}}
	if !r.Until.Equal(until) || !samePeriods(r.Periods, want) {
		t.Fatalf("register: until %v, periods %v; want %v, %v", r.Until, r.Periods, until, want)
	}
	if n := f.requests.Load(); n != 3 {
		t.Fatalf("%d requests for three days", n)
	}

	r, err = f.client.Recordings(ctx, entrance, from, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Periods) != 4 {
		t.Fatalf("entrance over three days and nights: %v", r.Periods)
	}
	// The pictures agree: one in the middle of every period, none in the
	// middle of every night.
	for i, p := range r.Periods {
		if !p.End.After(p.Start) || (i > 0 && !p.Start.After(r.Periods[i-1].End)) {
			t.Fatalf("periods out of order: %v", r.Periods)
		}
		wantJPEG(t)(f.client.Still(ctx, entrance, p.Start.Add(p.End.Sub(p.Start)/2)))
		if i > 0 {
			night := r.Periods[i-1].End.Add(p.Start.Sub(r.Periods[i-1].End) / 2)
			if h := night.In(jst).Hour(); h > 9 && h < 20 {
				t.Fatalf("a gap in the day at %v", night)
			}
			_, err := f.client.Still(ctx, entrance, night)
			wantErr(t, err, pos.NotFound, camera.ReasonNoRecording)
		}
	}
}

func TestRecordingsEdges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Shorter than the API's minute: asked as the minute ending at its
	// end, answered for the range only.
	from, to := t0.Add(-2*time.Hour), t0.Add(-2*time.Hour+20*time.Second)
	r, err := f.client.Recordings(ctx, register, from, to)
	if err != nil || !r.Until.Equal(to) || !samePeriods(r.Periods, []camera.Period{{Start: from, End: to}}) {
		t.Fatalf("20 seconds: %+v %v", r, err)
	}
	// Wholly in the last minute: nothing is known yet, nothing asked.
	before := f.requests.Load()
	r, err = f.client.Recordings(ctx, register, t0.Add(-30*time.Second), t0.Add(time.Hour))
	if err != nil || !r.Until.Equal(t0.Add(-30*time.Second)) || len(r.Periods) != 0 || f.requests.Load() != before {
		t.Fatalf("last minute: %+v %v", r, err)
	}
	// Inside the gap: known, and empty.
	r, err = f.client.Recordings(ctx, register, gapFrom.Add(time.Minute), gapTo.Add(-time.Minute))
	if err != nil || r.Periods != nil || !r.Until.Equal(gapTo.Add(-time.Minute)) {
		t.Fatalf("in the gap: %+v %v", r, err)
	}
	// A camera that has not recorded yet.
	r, err = f.client.Recordings(ctx, backyard, t0.Add(-24*time.Hour), t0)
	if err != nil || len(r.Periods) != 0 {
		t.Fatalf("backyard: %+v %v", r, err)
	}
	for _, c := range [][2]time.Time{{t0, t0}, {t0, t0.Add(-time.Hour)}, {t0.Add(-camera.MaxRecordings - time.Second), t0}} {
		if _, err := f.client.Recordings(ctx, register, c[0], c[1]); !errors.Is(err, camera.ErrRange) {
			t.Fatalf("range %v: %v", c, err)
		}
	}
	if _, err := f.client.Recordings(ctx, register, t0.Add(-camera.MaxRecordings), t0); err != nil {
		t.Fatalf("a week: %v", err)
	}
}

func samePeriods(a, b []camera.Period) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}
