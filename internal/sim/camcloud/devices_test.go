package camcloud

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestDevicesPagingToTheEnd walks the list with a small limit, as the
// official client does, over explicit and synthetic devices.
func TestDevicesPagingToTheEnd(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	if _, err := f.srv.AddRange(Range{Prefix: "shop-", Count: 45, RecordingSince: t0.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Link(Key{Key: key, Ranges: []string{"shop-"}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	offset := 0
	for page := 0; ; page++ {
		resp, body := f.get(t, fmt.Sprintf("/v2/devices?offset=%d&limit=10", offset), key)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, body)
		}
		var l deviceList
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		if l.Total != 48 || l.Offset != offset || l.Count != len(l.List) {
			t.Fatalf("page %d: total %d offset %d count %d (list %d)", page, l.Total, l.Offset, l.Count, len(l.List))
		}
		for _, d := range l.List {
			ids = append(ids, d.DeviceID)
		}
		offset += l.Count
		if !l.HasNext {
			if l.Count != 8 {
				t.Fatalf("last page has %d devices, want 8", l.Count)
			}
			break
		}
		if l.Count != 10 {
			t.Fatalf("page %d has %d devices and has_next", page, l.Count)
		}
	}
	if len(ids) != 48 || ids[0] != "demo-cam-register" || ids[3] != "shop-000000" || ids[47] != "shop-000044" {
		t.Fatalf("ids: %d, first %s, fourth %s, last %s", len(ids), ids[0], ids[3], ids[len(ids)-1])
	}
	if c := slices.Compact(slices.Sorted(slices.Values(ids))); len(c) != 48 {
		t.Fatalf("%d distinct ids of 48", len(c))
	}

	// Past the end: an empty list, not null, and no next page.
	_, body := f.get(t, "/v2/devices?offset=48", key)
	if want := `{"total":48,"offset":48,"count":0,"has_next":false,"list":[]}` + "\n"; string(body) != want {
		t.Fatalf("past the end: %s", body)
	}
	// The default page is 20.
	_, body = f.get(t, "/v2/devices", key)
	var l deviceList
	if err := json.Unmarshal(body, &l); err != nil || l.Count != 20 || !l.HasNext {
		t.Fatalf("default page: %v %+v", err, l)
	}
}

// TestDeviceShape checks the JSON against the public example's keys:
// {"total","offset","count","has_next","list":[{"device_id","serial",
// "setting":{"name"},"model":{"description"},"status":{"video_streaming"}}]}.
func TestDeviceShape(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	_, body := f.get(t, "/v2/devices?limit=1", key)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(top)); !slices.Equal(got, []string{"count", "has_next", "list", "offset", "total"}) {
		t.Fatalf("top-level keys %v", got)
	}
	var list []map[string]any
	if err := json.Unmarshal(top["list"], &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, top["list"])
	}
	d := list[0]
	want := map[string]any{
		"device_id": "demo-cam-register",
		"setting":   map[string]any{"name": "レジ前カメラ"},
		"model":     map[string]any{"description": "CC-2L_SF"},
		"status":    map[string]any{"video_streaming": true},
	}
	for k, v := range want {
		if fmt.Sprint(d[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, d[k], v)
		}
	}
	if s, _ := d["serial"].(string); len(s) != 12 {
		t.Errorf("serial %v, want 12 characters", d["serial"])
	}
	if len(d) != 5 {
		t.Errorf("device keys %v", slices.Sorted(maps.Keys(d)))
	}
}

// TestKeyScoping: a key sees only the devices its application is linked
// to, in the list and in the image endpoints.
func TestKeyScoping(t *testing.T) {
	f := newFixture(t, 42)
	f.withDemo(t)
	if _, err := f.srv.AddRange(Range{Prefix: "bench-", Count: 1000}); err != nil {
		t.Fatal(err)
	}
	a, err := f.srv.CreateKey(Key{Key: "key-a", Devices: []string{"demo-cam-register", "bench-000500"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.srv.CreateKey(Key{Key: "key-b", Devices: []string{"demo-cam-entrance"}})
	if err != nil {
		t.Fatal(err)
	}
	list := func(key, query string) []string {
		resp, body := f.get(t, "/v2/devices"+query, key)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		var l deviceList
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range l.List {
			ids = append(ids, d.DeviceID)
		}
		if l.Total != len(ids) {
			t.Fatalf("total %d for %d listed", l.Total, len(ids))
		}
		return ids
	}
	if got := list(a.Key, ""); !slices.Equal(got, []string{"demo-cam-register", "bench-000500"}) {
		t.Fatalf("key a sees %v", got)
	}
	if got := list(b.Key, ""); !slices.Equal(got, []string{"demo-cam-entrance"}) {
		t.Fatalf("key b sees %v", got)
	}
	// item_id keeps the devices that carry the option.
	if got := list(a.Key, "?item_id=7"); !slices.Equal(got, []string{"demo-cam-register"}) {
		t.Fatalf("key a with item 7 sees %v", got)
	}
	if got := list(b.Key, "?item_id=7"); len(got) != 0 {
		t.Fatalf("key b with item 7 sees %v", got)
	}

	if resp, _ := f.image(t, a.Key, "bench-000500", t0.Add(-time.Hour)); resp.StatusCode != http.StatusOK {
		t.Fatalf("own synthetic device: %d", resp.StatusCode)
	}
	for _, c := range []struct{ key, dev string }{
		{a.Key, "demo-cam-entrance"}, {b.Key, "demo-cam-register"}, {a.Key, "bench-000501"}, {a.Key, "no-such-cam"},
	} {
		resp, body := f.image(t, c.key, c.dev, t0)
		wantMessage(t, resp, body, http.StatusNotFound, "device not found")
		resp, body = f.get(t, "/v2/devices/"+c.dev+"/thumbnail", c.key)
		wantMessage(t, resp, body, http.StatusNotFound, "device not found")
	}
}

func TestAuthErrors(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	for _, path := range []string{"/v2/devices", "/v2/devices/demo-cam-register/image", "/v2/devices/demo-cam-register/thumbnail", "/v2/nothing"} {
		resp, body := f.get(t, path, "")
		wantMessage(t, resp, body, http.StatusUnauthorized, "Safie-API-Key")
		resp, body = f.get(t, path, "not-a-key")
		wantMessage(t, resp, body, http.StatusUnauthorized, "invalid API key")
	}
	if resp, _ := f.get(t, "/v2/devices", key); resp.StatusCode != http.StatusOK {
		t.Fatalf("good key: %d", resp.StatusCode)
	}
	// Revoked through the control endpoint: the same 401 as an unknown key.
	resp, body := f.do(t, http.MethodDelete, "/_sim/keys/"+key, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	resp, body = f.get(t, "/v2/devices", key)
	wantMessage(t, resp, body, http.StatusUnauthorized, "invalid API key")
	resp, body = f.get(t, "/v2/devices/demo-cam-register/thumbnail", key)
	wantMessage(t, resp, body, http.StatusUnauthorized, "invalid API key")
}

func TestBadListParameters(t *testing.T) {
	f := newFixture(t, 42)
	key := f.withDemo(t)
	for _, q := range []string{"offset=-1", "offset=x", "offset=", "limit=0", "limit=101", "limit=ten", "item_id=pos", "offset=99999999999999999999"} {
		resp, body := f.get(t, "/v2/devices?"+q, key)
		wantMessage(t, resp, body, http.StatusBadRequest, "must be an integer")
	}
	resp, body := f.do(t, http.MethodPost, "/v2/devices", key, nil)
	wantMessage(t, resp, body, http.StatusMethodNotAllowed, "method")
	resp, body = f.get(t, "/v2/devices/demo-cam-register/location", key)
	wantMessage(t, resp, body, http.StatusNotFound, "not found")
}
