// Package imagefit makes a camera's JPEG small enough for what a page
// shows: the stills kept per transaction and the live picture.
package imagefit

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// jpegQuality keeps a 320×180 still at about 10 KB.
const jpegQuality = 75

// Shrink decodes a JPEG and encodes it again at most w×h, keeping its
// proportions (never enlarged), each pixel the mean of the source pixels
// it covers.
func Shrink(data []byte, w, h int) ([]byte, error) {
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode picture: %w", err)
	}
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw == 0 || sh == 0 {
		return nil, fmt.Errorf("decode picture: empty picture")
	}
	dw, dh := Fit(sw, sh, w, h)
	rgba := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := dy*sh/dh, max((dy+1)*sh/dh, dy*sh/dh+1)
		for dx := range dw {
			x0, x1 := dx*sw/dw, max((dx+1)*sw/dw, dx*sw/dw+1)
			var r, g, bl, n uint32
			for y := y0; y < y1; y++ {
				row := rgba.Pix[y*rgba.Stride:]
				for x := x0; x < x1; x++ {
					p := row[x*4 : x*4+3]
					r, g, bl = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2])
					n++
				}
			}
			o := dst.Pix[dy*dst.Stride+dx*4:]
			o[0], o[1], o[2], o[3] = uint8(r/n), uint8(g/n), uint8(bl/n), 0xff
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("encode picture: %w", err)
	}
	return out.Bytes(), nil
}

// Fit is the size of a sw×sh picture made to fit within w×h.
func Fit(sw, sh, w, h int) (int, int) {
	if sw <= w && sh <= h {
		return sw, sh
	}
	if sw*h > sh*w { // wider than w×h
		return w, max(1, sh*w/sw)
	}
	return max(1, sw*h/sh), h
}
