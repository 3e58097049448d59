package camera_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/pos"
)

// aJPEG is a small real JPEG.
func aJPEG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 32, 18)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// answering is a client of a server that answers every request with
// status, content type and body.
func answering(t *testing.T, status int, ctype string, body []byte) *camera.Client {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Safie-API-Key") != key {
			t.Errorf("request without the key")
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return camera.New(camera.Config{BaseURL: ts.URL, APIKey: key, Timeout: 5 * time.Second,
		Now: func() time.Time { return t0 }})
}

// Answers that are not what the API sends are Malformed, never half-read.
func TestMalformedAnswers(t *testing.T) {
	ctx := context.Background()
	jpg := aJPEG(t)
	devices := func(c *camera.Client) error { _, err := c.AllDevices(ctx); return err }
	still := func(c *camera.Client) error { _, err := c.Still(ctx, register, t0.Add(-time.Hour)); return err }
	thumbnail := func(c *camera.Client) error { _, err := c.Thumbnail(ctx, register); return err }
	recordings := func(c *camera.Client) error {
		_, err := c.Recordings(ctx, register, t0.Add(-2*time.Hour), t0.Add(-time.Hour))
		return err
	}
	const js = "application/json"
	dev := `{"device_id":"c1","serial":"S","setting":{"name":"n"},"model":{"description":"m"},"status":{"video_streaming":true}}`
	for name, c := range map[string]struct {
		call   func(*camera.Client) error
		status int
		ctype  string
		body   []byte
	}{
		"devices html":             {devices, 200, "text/html", []byte("<html></html>")},
		"devices truncated":        {devices, 200, js, []byte(`{"total":1,"offset":0,"count":1,"has_next":false,"list":[` + dev)},
		"devices trailing":         {devices, 200, js, []byte(`{"total":0,"offset":0,"count":0,"has_next":false,"list":[]} {}`)},
		"devices null":             {devices, 200, js, []byte(`null`)},
		"devices no list":          {devices, 200, js, []byte(`{"total":0,"offset":0,"count":0,"has_next":false}`)},
		"devices count differs":    {devices, 200, js, []byte(`{"total":2,"offset":0,"count":2,"has_next":false,"list":[` + dev + `]}`)},
		"devices other offset":     {devices, 200, js, []byte(`{"total":9,"offset":5,"count":1,"has_next":false,"list":[` + dev + `]}`)},
		"devices no id":            {devices, 200, js, []byte(`{"total":1,"offset":0,"count":1,"has_next":false,"list":[{"serial":"S"}]}`)},
		"devices string total":     {devices, 200, js, []byte(`{"total":"1","offset":0,"count":1,"has_next":false,"list":[` + dev + `]}`)},
		"devices endless":          {devices, 200, js, []byte(`{"total":5,"offset":0,"count":0,"has_next":true,"list":[]}`)},
		"devices oversized":        {devices, 200, js, []byte(`{"x":"` + strings.Repeat("a", 4<<20) + `"}`)},
		"devices teapot":           {devices, http.StatusTeapot, js, []byte(`{"message":"teapot"}`)},
		"devices bad request":      {devices, http.StatusBadRequest, js, []byte(`{"message":"limit"}`)},
		"still html":               {still, 200, "text/html", []byte("<html></html>")},
		"still garbage":            {still, 200, "image/jpeg", []byte("GIF89a not a jpeg at all")},
		"still empty":              {still, 200, "image/jpeg", nil},
		"still cut picture":        {still, 200, "image/jpeg", jpg[:len(jpg)/2]},
		"still oversized":          {still, 200, "image/jpeg", append(append(append([]byte{}, jpg[:20]...), make([]byte, 2<<20)...), 0xff, 0xd9)},
		"still no content type":    {still, 200, "", jpg},
		"thumbnail png":            {thumbnail, 200, "image/png", jpg},
		"thumbnail cut":            {thumbnail, 200, "image/jpeg", jpg[:len(jpg)-2]},
		"recordings no list":       {recordings, 200, js, []byte(`{}`)},
		"recordings array":         {recordings, 200, js, []byte(`[]`)},
		"recordings no zone":       {recordings, 200, js, []byte(`{"list":[{"timestamp":"2026-11-23T10:00:00","duration":1000}]}`)},
		"recordings negative":      {recordings, 200, js, []byte(`{"list":[{"timestamp":"2026-11-23T10:00:00+09:00","duration":-1}]}`)},
		"recordings no duration":   {recordings, 200, js, []byte(`{"list":[{"timestamp":"2026-11-23T10:00:00+09:00"}]}`)},
		"recordings huge duration": {recordings, 200, js, []byte(`{"list":[{"timestamp":"2026-11-23T10:00:00+09:00","duration":99999999999}]}`)},
		"recordings text":          {recordings, 200, "text/plain", []byte(`{"list":[]}`)},
	} {
		t.Run(name, func(t *testing.T) {
			e := wantErr(t, c.call(answering(t, c.status, c.ctype, c.body)), pos.Malformed, "")
			if len(e.Detail) > 400 {
				t.Fatalf("detail of %d bytes", len(e.Detail))
			}
		})
	}
	// The same picture, whole, is read.
	img, err := answering(t, 200, "image/jpeg", jpg).Still(ctx, register, t0.Add(-time.Hour))
	if err != nil || !bytes.Equal(img.Data, jpg) {
		t.Fatalf("whole JPEG: %v", err)
	}
}

// TestCutConnection: an answer whose connection is cut mid-body is no
// answer (Unavailable: trying again may work), unlike a whole answer with
// a cut picture inside (Malformed).
func TestCutConnection(t *testing.T) {
	jpg := aJPEG(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
		_, _ = buf.Write(jpg[:len(jpg)/2])
		_ = buf.Flush()
	}))
	defer ts.Close()
	c := camera.New(camera.Config{BaseURL: ts.URL, APIKey: key, Timeout: 5 * time.Second})
	_, err := c.Thumbnail(context.Background(), register)
	wantErr(t, err, pos.Unavailable, "")
}

// TestServerErrors: 5xx of any kind is Unavailable; 403 is a refused key;
// a 429 without a usable Retry-After waits a second.
func TestServerErrors(t *testing.T) {
	ctx := context.Background()
	for _, s := range []int{500, 502, 503, 504} {
		_, err := answering(t, s, "text/html", []byte("<h1>Bad Gateway</h1>")).Thumbnail(ctx, register)
		if e := wantErr(t, err, pos.Unavailable, ""); e.Status != s {
			t.Fatalf("%d: %+v", s, e)
		}
	}
	_, err := answering(t, 403, "application/json", []byte(`{"message":"forbidden"}`)).AllDevices(ctx)
	if e := wantErr(t, err, pos.CredentialsRefused, ""); e.Detail != "forbidden" {
		t.Fatalf("403: %+v", e)
	}
	_, err = answering(t, 429, "application/json", []byte(`{"message":"slow down"}`)).Still(ctx, register, t0.Add(-time.Hour))
	if e := wantErr(t, err, pos.RateLimited, ""); e.RetryAfter != time.Second {
		t.Fatalf("429: %+v", e)
	}
}
