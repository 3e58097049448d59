package main

import (
	"testing"

	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/sim/sandbox"
)

// The demo points the camera client at the simulator with its key.
func TestUseSandboxSetsTheCameraKey(t *testing.T) {
	var cfg config.Config
	useSandbox(&cfg, sandbox.Info{CameraCloud: sandbox.CameraInfo{BaseURL: "http://127.0.0.1:8093", APIKey: sandbox.CameraAPIKey}})
	if cfg.CameraURL != "http://127.0.0.1:8093" || cfg.CameraAPIKey.Reveal() != sandbox.CameraAPIKey {
		t.Fatalf("camera settings: %q, key set %v", cfg.CameraURL, cfg.CameraAPIKey != "")
	}
}
