package camcloud

import (
	"image"
	"strings"
	"testing"
)

// TestFontCoversNames: every character the simulator's own names, the
// demo's and the OSD's time use is in the embedded font, not a tofu box.
func TestFontCoversNames(t *testing.T) {
	gs, err := glyphs()
	if err != nil {
		t.Fatal(err)
	}
	text := "0123456789/: JST-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" +
		"レジ前カメラ入口カメラバックヤードカメラ" + strings.Join(shopNames, "") + strings.Join(placeNames, "")
	for _, r := range text {
		if g := lookupGlyph(gs, r); g == nil || g.r != r {
			t.Errorf("no glyph for %q", r)
		}
	}
	// A character outside the font draws as a box, without a panic, even
	// at the canvas's edge.
	if g := lookupGlyph(gs, '😀'); g == nil || g.r != '□' {
		t.Fatalf("fallback glyph %+v", g)
	}
	c := canvas{image.NewRGBA(image.Rect(0, 0, FrameWidth, FrameHeight))}
	drawText(c, gs, FrameWidth-5, FrameHeight-3, FrameWidth+50, "😀鬱𠮷 long name that runs off the frame")
	drawText(c, gs, -20, -5, FrameWidth, "負の位置")
}
