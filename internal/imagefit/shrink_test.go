package imagefit_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/poslink/poslink/internal/imagefit"
)

// camPicture is a 640×360 JPEG with detail, as the camera cloud sends.
func camPicture(t testing.TB) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for y := range 360 {
		for x := range 640 {
			m.Set(x, y, color.RGBA{R: uint8(x ^ y), G: uint8(x * 3), B: uint8(y * 5), A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Stills are made to fit 320×180 keeping their proportions, never enlarged.
func TestShrinkFits(t *testing.T) {
	for _, c := range []struct{ w, h, ww, wh int }{{640, 360, 320, 180}, {1920, 1080, 320, 180}, {400, 400, 180, 180}, {160, 90, 160, 90}} {
		m := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
		var b bytes.Buffer
		if err := jpeg.Encode(&b, m, nil); err != nil {
			t.Fatal(err)
		}
		out, err := imagefit.Shrink(b.Bytes(), 320, 180)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width != c.ww || cfg.Height != c.wh {
			t.Errorf("%d×%d → %d×%d (%v), want %d×%d", c.w, c.h, cfg.Width, cfg.Height, err, c.ww, c.wh)
		}
	}
	if _, err := imagefit.Shrink([]byte("not a jpeg"), 320, 180); err == nil {
		t.Error("garbage shrunk")
	}
}

func BenchmarkShrink(b *testing.B) {
	src := camPicture(b)
	var size int
	for b.Loop() {
		out, err := imagefit.Shrink(src, 320, 180)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(len(src)), "src-bytes")
	b.ReportMetric(float64(size), "still-bytes")
}
