package camcloud

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAdminHTTP sets a simulator up through /_sim/ only, as the demo and
// `poslink sim` would, then uses the API with the key it was given.
func TestAdminHTTP(t *testing.T) {
	f := newFixture(t, 42)
	post := func(path string, body any, status int, out any) {
		t.Helper()
		resp, b := f.do(t, http.MethodPost, path, "", body)
		if resp.StatusCode != status {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var d Device
	post("/_sim/devices", map[string]any{
		"device_id": "demo-cam-entrance", "name": "入口カメラ",
		"recording_since": t0.Add(-time.Hour), "gaps": []Gap{{From: t0.Add(-30 * time.Minute), To: t0.Add(-20 * time.Minute)}},
	}, http.StatusOK, &d)
	if d.Model != "One (SF-1)" || len(d.Serial) != 12 {
		t.Fatalf("defaults not applied: %+v", d)
	}
	// Putting it again replaces it.
	post("/_sim/devices", Device{ID: "demo-cam-entrance", Name: "入口", Model: "CC-2_SF"}, http.StatusOK, &d)
	post("/_sim/ranges", Range{Prefix: "load-", Count: 100000, RecordingSince: t0.AddDate(0, 0, -1)}, http.StatusOK, nil)

	var k Key
	post("/_sim/keys", Key{Devices: []string{"demo-cam-entrance"}}, http.StatusCreated, &k)
	if len(k.Key) != 32 {
		t.Fatalf("generated key %q", k.Key)
	}
	post("/_sim/keys/"+k.Key+"/links", Key{Ranges: []string{"load-"}}, http.StatusOK, &k)
	if strings.Join(k.Devices, ",") != "demo-cam-entrance" || strings.Join(k.Ranges, ",") != "load-" {
		t.Fatalf("links: %+v", k)
	}

	resp, b := f.get(t, "/_sim/devices", "")
	var state struct {
		Devices []Device `json:"devices"`
		Ranges  []Range  `json:"ranges"`
	}
	if err := json.Unmarshal(b, &state); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("state: %d %v %s", resp.StatusCode, err, b)
	}
	if len(state.Devices) != 1 || state.Devices[0].Name != "入口" || len(state.Ranges) != 1 {
		t.Fatalf("state: %s", b)
	}

	_, b = f.get(t, "/v2/devices?limit=2", k.Key)
	var l deviceList
	if err := json.Unmarshal(b, &l); err != nil || l.Total != 100001 || l.List[1].DeviceID != "load-000000" {
		t.Fatalf("list: %s", b)
	}

	// Mistakes get a JSON message and the right status.
	for _, c := range []struct {
		path   string
		body   any
		status int
		says   string
	}{
		{"/_sim/devices", Device{ID: "-bad id"}, http.StatusBadRequest, "device_id"},
		{"/_sim/devices", map[string]any{"device_id": "x", "colour": "red"}, http.StatusBadRequest, "unknown field"},
		{"/_sim/devices", Device{ID: "load-000007"}, http.StatusConflict, "synthetic range"},
		{"/_sim/devices", Device{ID: "gappy", Gaps: []Gap{{From: t0, To: t0}}}, http.StatusBadRequest, "gap"},
		{"/_sim/ranges", Range{Prefix: "load-x", Count: 5}, http.StatusConflict, "overlaps"},
		{"/_sim/ranges", Range{Prefix: "many-", Count: 0}, http.StatusBadRequest, "count"},
		{"/_sim/ranges", Range{Prefix: "demo-cam-entranc", Count: 5}, http.StatusOK, ""},
		{"/_sim/keys", Key{Key: k.Key}, http.StatusConflict, "exists"},
		{"/_sim/keys", Key{Key: "has space"}, http.StatusBadRequest, "printable"},
		{"/_sim/keys", Key{Devices: []string{"nowhere"}}, http.StatusNotFound, "no device"},
		{"/_sim/keys", Key{Ranges: []string{"nope-"}}, http.StatusNotFound, "no range"},
		{"/_sim/keys/unknown/links", Key{}, http.StatusNotFound, "no such key"},
	} {
		resp, b := f.do(t, http.MethodPost, c.path, "", c.body)
		if c.says == "" {
			if resp.StatusCode != c.status {
				t.Fatalf("%s %v: %d %s", c.path, c.body, resp.StatusCode, b)
			}
			continue
		}
		wantMessage(t, resp, b, c.status, c.says)
	}
	resp, b = f.do(t, http.MethodDelete, "/_sim/keys/unknown", "", nil)
	wantMessage(t, resp, b, http.StatusNotFound, "no such key")
	resp, b = f.do(t, http.MethodDelete, "/_sim/keys/"+k.Key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"revoked":true`) {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}

	// The shared clock endpoint is mounted.
	resp, b = f.get(t, "/_sim/clock", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), t0.Format(time.RFC3339)) {
		t.Fatalf("clock: %d %s", resp.StatusCode, b)
	}
}
