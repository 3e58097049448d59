package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

const cameraKey = "camera-key-0123456789abcdef"

func TestCameraAPIKey(t *testing.T) {
	c, err := Parse("serve", nil, envOf(map[string]string{"POSLINK_CAMERA_API_KEY": " " + cameraKey + " "}), io.Discard)
	if err != nil || c.CameraAPIKey.Reveal() != cameraKey {
		t.Fatalf("from the variable: %q %v", c.CameraAPIKey.Reveal(), err)
	}
	c, err = Parse("serve", []string{"--camera-api-key", "from-flag"}, envOf(map[string]string{"POSLINK_CAMERA_API_KEY": cameraKey}), io.Discard)
	if err != nil || c.CameraAPIKey.Reveal() != "from-flag" {
		t.Fatalf("the flag wins: %q %v", c.CameraAPIKey.Reveal(), err)
	}
	c, err = Parse("serve", nil, envOf(nil), io.Discard)
	if err != nil || c.CameraAPIKey != "" || c.CameraAPIKey.String() != "" {
		t.Fatalf("unset: %q %v", c.CameraAPIKey.Reveal(), err)
	}
}

// The key is never shown: not by --help (whose defaults come from the
// variables), not when the whole Config is printed, logged or encoded.
func TestCameraAPIKeyIsNeverShown(t *testing.T) {
	env := envOf(map[string]string{"POSLINK_CAMERA_API_KEY": cameraKey})
	var help bytes.Buffer
	if _, err := Parse("serve", []string{"-h"}, env, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(help.String(), "camera-api-key") || strings.Contains(help.String(), cameraKey) {
		t.Fatalf("--help shows the key, or not the flag:\n%s", help.String())
	}
	c, err := Parse("serve", nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", c)
		fmt.Fprintf(&out, verb+"\n", c.CameraAPIKey)
	}
	fmt.Fprintln(&out, c.CameraAPIKey)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "config", c, "key", c.CameraAPIKey)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "key", c.CameraAPIKey)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(b)
	if strings.Contains(out.String(), cameraKey) || !strings.Contains(out.String(), hidden) {
		t.Fatalf("the key shows:\n%s", out.String())
	}
}

// --help shows no secret setting's value from the environment, only the
// others'.
func TestHelpShowsNoSecret(t *testing.T) {
	secrets := map[string]string{
		"POSLINK_CAMERA_API_KEY":        "cam-key-4d1f",
		"POSLINK_SECRET_KEYS":           "k1:c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwMTI=",
		"POSLINK_UBIREGI_CLIENT_SECRET": "ubiregi-secret-77aa",
		"DATABASE_URL":                  "postgres://poslink:db-password-9c@db.example/poslink",
	}
	vars := map[string]string{"POSLINK_UBIREGI_CLIENT_ID": "client-id-shown"}
	for k, v := range secrets {
		vars[k] = v
	}
	var help bytes.Buffer
	if _, err := Parse("serve", []string{"-h"}, envOf(vars), &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for k, v := range secrets {
		if strings.Contains(help.String(), v) {
			t.Errorf("--help shows %s", k)
		}
	}
	if !strings.Contains(help.String(), "client-id-shown") {
		t.Errorf("--help hides a setting that is no secret:\n%s", help.String())
	}
}
