package camcloud

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
)

// A frame is 640×360 (16:9, like the cameras' stream scaled down), JPEG at
// quality 70: a few tens of KB, enough for a thumbnail per transaction.
const (
	FrameWidth  = 640
	FrameHeight = 360
	jpegQuality = 70
	// renderVersion goes into the ETag: bump it when the drawing changes,
	// so that clients do not keep old pictures as current.
	renderVersion = 1
)

var (
	framePool  = sync.Pool{New: func() any { return image.NewRGBA(image.Rect(0, 0, FrameWidth, FrameHeight)) }}
	bufferPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}
)

func getBuffer() *bytes.Buffer  { b := bufferPool.Get().(*bytes.Buffer); b.Reset(); return b }
func putBuffer(b *bytes.Buffer) { bufferPool.Put(b) }

// frameTag identifies the picture of device d at second sec: everything
// the drawing depends on goes in, so equal tags mean equal bytes.
func frameTag(seed uint64, d *Device, sec int64) uint64 {
	return draw(seed, hashString(d.ID), hashString(d.Name), uint64(sec), pETag, renderVersion)
}

// renderJPEG appends the JPEG of device d's frame at Unix second sec to
// buf. The same inputs give the same bytes: the drawing uses only them,
// and image/jpeg's encoder is deterministic.
func renderJPEG(buf *bytes.Buffer, seed uint64, d *Device, sec int64) error {
	img := framePool.Get().(*image.RGBA)
	defer framePool.Put(img)
	c := canvas{img}
	dev := hashString(d.ID)
	li := drawScene(c, seed, dev, sec) // paints every pixel: no clearing needed
	expose(c, li, draw(seed, dev, pNoise, uint64(sec)))
	if err := drawOSD(c, d, sec); err != nil {
		return err
	}
	if err := jpeg.Encode(buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return fmt.Errorf("encode frame of %s: %w", d.ID, err)
	}
	return nil
}

// vignette darkens the corners, as a wide lens does.
var vignetteX, vignetteY = func() (vx [FrameWidth]float64, vy [FrameHeight]float64) {
	for x := range vx {
		d := (float64(x) - FrameWidth/2) / (FrameWidth / 2)
		vx[x] = 1 - 0.18*d*d
	}
	for y := range vy {
		d := (float64(y) - FrameHeight/2) / (FrameHeight / 2)
		vy[y] = 1 - 0.22*d*d
	}
	return vx, vy
}()

// expose applies the light of the hour to the painted scene: brightness,
// lens vignette and sensor noise; at night the infrared mode's grey. The
// noise is a xorshift stream seeded by (seed, device, second).
func expose(c canvas, li light, noiseSeed uint64) {
	rng := noiseSeed | 1
	next := func() int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng>>59) - 16 // −16…15
	}
	for y := range FrameHeight {
		row := li.interior * vignetteY[y]
		if li.night {
			// Infrared: the illuminator lights near things most.
			row = (0.45 + 0.5*float64(y)/FrameHeight) * vignetteY[y]
		}
		p := c.Pix[y*c.Stride : y*c.Stride+4*FrameWidth]
		for x := range FrameWidth {
			f := int(row * vignetteX[x] * 256)
			q := p[4*x : 4*x+3 : 4*x+3]
			if li.night {
				lum := (77*int(q[0]) + 150*int(q[1]) + 29*int(q[2])) >> 8
				v := clamp8(lum*f>>8 + 8 + next()/2)
				q[0], q[1], q[2] = v, v, v
				continue
			}
			n := next() >> 3
			q[0] = clamp8(int(q[0])*f>>8 + n)
			q[1] = clamp8(int(q[1])*f>>8 + n)
			q[2] = clamp8(int(q[2])*f>>8 + n)
		}
	}
}

func clamp8(v int) uint8 { return uint8(min(255, max(0, v))) }
