package camcloud

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// heapAfterGC is the live heap once the garbage is collected.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestSyntheticRangeConstantMemory: 100,000 synthetic cameras cost no more
// memory than 1,000, and the last of them is listed and pictured as fast
// as the first.
func TestSyntheticRangeConstantMemory(t *testing.T) {
	heapWith := func(n int) (uint64, *fixture, string) {
		f := newFixture(t, 42)
		if _, err := f.srv.AddRange(Range{Prefix: "cam-", Count: n, RecordingSince: t0.AddDate(0, 0, -7)}); err != nil {
			t.Fatal(err)
		}
		k, err := f.srv.CreateKey(Key{Ranges: []string{"cam-"}})
		if err != nil {
			t.Fatal(err)
		}
		// Touch the far end so that anything built lazily is built.
		if resp, body := f.get(t, fmt.Sprintf("/v2/devices?offset=%d&limit=100", n-100), k.Key); resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		return heapAfterGC(), f, k.Key
	}
	small, fs, _ := heapWith(1_000)
	fs.ts.Close()
	large, f, key := heapWith(100_000)
	grew := int64(large) - int64(small)
	t.Logf("heap after GC: %d B with 1,000 devices, %d B with 100,000 (%+d B)", small, large, grew)
	if grew > 256<<10 {
		t.Fatalf("heap grew by %d B from 1,000 to 100,000 devices", grew)
	}

	// Page through all of them with the official client's limit.
	start := time.Now()
	seen, offset := 0, 0
	var last string
	for {
		resp, body := f.get(t, fmt.Sprintf("/v2/devices?offset=%d&limit=100", offset), key)
		var l deviceList
		if err := json.Unmarshal(body, &l); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("offset %d: %d %v", offset, resp.StatusCode, err)
		}
		if l.Total != 100_000 {
			t.Fatalf("total %d", l.Total)
		}
		seen += l.Count
		offset += l.Count
		last = l.List[len(l.List)-1].DeviceID
		if !l.HasNext {
			break
		}
	}
	t.Logf("listed %d devices in %v", seen, time.Since(start))
	if seen != 100_000 || last != "cam-099999" {
		t.Fatalf("listed %d, last %s", seen, last)
	}
	okJPEG(t)(f.image(t, key, "cam-099999", t0.Add(-time.Minute)))
	if after := heapAfterGC(); int64(after)-int64(large) > 256<<10 {
		t.Fatalf("heap grew to %d B after listing and a picture", after)
	}
}
