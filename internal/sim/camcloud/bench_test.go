package camcloud

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// BenchmarkRender is the drawing and JPEG encoding of one frame, each
// iteration a different second (no caching anywhere).
func BenchmarkRender(b *testing.B) {
	d := Device{ID: "demo-cam-register", Name: "レジ前カメラ"}
	var buf bytes.Buffer
	size := 0
	sec := t0.Unix()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := renderJPEG(&buf, 42, &d, sec); err != nil {
			b.Fatal(err)
		}
		size += buf.Len()
		sec += 17 // walk through the day's light
	}
	b.ReportMetric(float64(size)/float64(b.N), "jpeg-B/frame")
}

// BenchmarkImageEndpoint is GET /v2/devices/{id}/image?timestamp over real
// HTTP on 127.0.0.1, a different second each time.
func BenchmarkImageEndpoint(b *testing.B) {
	f := newFixture(b, 42)
	key := f.withDemo(b)
	client := f.ts.Client()
	at := t0.Add(-time.Hour)
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/v2/devices/"+register+"/image?timestamp="+url.QueryEscape(at.Format(time.RFC3339)), nil)
		req.Header.Set("Safie-API-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		size += int(n)
		at = at.Add(-time.Second)
	}
	b.ReportMetric(float64(size)/float64(b.N), "jpeg-B/frame")
}

// BenchmarkDeviceList is a page of 100 from 100,000 synthetic cameras over
// real HTTP, at offsets spread over the whole range.
func BenchmarkDeviceList(b *testing.B) {
	f := newFixture(b, 42)
	if _, err := f.srv.AddRange(Range{Prefix: "cam-", Count: 100_000}); err != nil {
		b.Fatal(err)
	}
	k, err := f.srv.CreateKey(Key{Ranges: []string{"cam-"}})
	if err != nil {
		b.Fatal(err)
	}
	client := f.ts.Client()
	offset := 0
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v2/devices?offset=%d&limit=100", f.ts.URL, offset), nil)
		req.Header.Set("Safie-API-Key", k.Key)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		offset = (offset + 7_777) % 99_900
	}
}
