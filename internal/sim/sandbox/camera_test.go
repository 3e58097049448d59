package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/sim/shop"
)

// TestDemoCamerasThroughTheClient: the portal's camera client, with the
// key the demo sets, reads the demo's cameras, and their history has the
// moments without a recording the demo shows: yesterday's power cut of
// the register camera, the entrance camera's nights.
func TestDemoCamerasThroughTheClient(t *testing.T) {
	sb := start(t, 2026)
	ctx := context.Background()
	now := sb.Camera.Clock().Now()
	c := camera.New(camera.Config{BaseURL: sb.Info.CameraCloud.BaseURL, APIKey: sb.Info.CameraCloud.APIKey, Now: sb.Camera.Clock().Now})
	devs, err := c.AllDevices(ctx)
	if err != nil || len(devs) != len(DemoCameras) || devs[0].ID != DemoCameras[0].ID || !devs[0].Streaming {
		t.Fatalf("devices: %+v %v", devs, err)
	}

	cut := DemoPowerCut(now)
	if h := cut.From.In(shop.Tokyo).Hour(); h != 14 || !cut.To.Before(now) || now.Sub(cut.From) > 48*time.Hour {
		t.Fatalf("power cut %v–%v at %v", cut.From, cut.To, now)
	}
	register := DemoCameras[0].ID
	if _, err := c.Still(ctx, register, cut.From.Add(20*time.Minute)); !pos.HasReason(err, camera.ReasonNoRecording) {
		t.Fatalf("in the power cut: %v", err)
	}
	if _, err := c.Still(ctx, register, cut.From.Add(-time.Minute)); err != nil {
		t.Fatalf("before the power cut: %v", err)
	}
	r, err := c.Recordings(ctx, register, cut.From.Add(-time.Hour), cut.To.Add(time.Hour))
	if err != nil || len(r.Periods) != 2 || !r.Periods[0].End.Equal(cut.From) || !r.Periods[1].Start.Equal(cut.To) {
		t.Fatalf("recordings around the power cut: %+v %v", r, err)
	}

	y, m, d := now.In(shop.Tokyo).Date()
	night := time.Date(y, m, d, 3, 0, 0, 0, shop.Tokyo)
	if _, err := c.Still(ctx, DemoCameras[1].ID, night); !pos.HasReason(err, camera.ReasonNoRecording) {
		t.Fatalf("entrance at 3:00: %v", err)
	}
	if _, err := c.Still(ctx, register, night); err != nil {
		t.Fatalf("register at 3:00: %v", err)
	}
}
