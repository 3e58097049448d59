package camcloud

import (
	"image"
	"math"
)

// The drawing primitives write straight into an RGBA buffer: the few shapes
// of a frame (rectangles, ellipses, convex polygons) cost far less this way
// than through image/draw with masks, which keeps a frame under a few ms.

// col is an opaque colour.
type col struct{ r, g, b uint8 }

// scale darkens (f < 1) or lightens (f > 1) c.
func (c col) scale(f float64) col {
	s := func(v uint8) uint8 { return uint8(min(255, max(0, float64(v)*f))) }
	return col{s(c.r), s(c.g), s(c.b)}
}

// lerp goes from a (t = 0) to b (t = 1).
func lerp(a, b col, t float64) col {
	t = min(1, max(0, t))
	m := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return col{m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)}
}

type canvas struct{ *image.RGBA }

func (c canvas) set(x, y int, k col) {
	i := c.PixOffset(x, y)
	p := c.Pix[i : i+4 : i+4]
	p[0], p[1], p[2], p[3] = k.r, k.g, k.b, 255
}

// span fills row y from x0 to x1 (exclusive), clipped.
func (c canvas) span(y, x0, x1 int, k col) {
	b := c.Rect
	if y < b.Min.Y || y >= b.Max.Y {
		return
	}
	x0, x1 = max(x0, b.Min.X), min(x1, b.Max.X)
	for x := x0; x < x1; x++ {
		c.set(x, y, k)
	}
}

// shadeSpan multiplies row y from x0 to x1 by f (for shadows).
func (c canvas) shadeSpan(y, x0, x1 int, f float64) {
	b := c.Rect
	if y < b.Min.Y || y >= b.Max.Y {
		return
	}
	x0, x1 = max(x0, b.Min.X), min(x1, b.Max.X)
	m := uint32(f * 256)
	for x := x0; x < x1; x++ {
		i := c.PixOffset(x, y)
		p := c.Pix[i : i+3 : i+3]
		p[0], p[1], p[2] = uint8(uint32(p[0])*m>>8), uint8(uint32(p[1])*m>>8), uint8(uint32(p[2])*m>>8)
	}
}

// rect fills [x0, x1) × [y0, y1).
func (c canvas) rect(x0, y0, x1, y1 float64, k col) {
	for y := int(math.Round(y0)); y < int(math.Round(y1)); y++ {
		c.span(y, int(math.Round(x0)), int(math.Round(x1)), k)
	}
}

// ellipse fills the ellipse centred on (cx, cy) with radii rx, ry; with
// shade > 0 it darkens what lies under it by that factor instead.
func (c canvas) ellipse(cx, cy, rx, ry float64, k col, shade float64) {
	if rx <= 0 || ry <= 0 {
		return
	}
	for y := int(math.Floor(cy - ry)); y <= int(math.Ceil(cy+ry)); y++ {
		dy := (float64(y) + 0.5 - cy) / ry
		if dy*dy > 1 {
			continue
		}
		dx := rx * math.Sqrt(1-dy*dy)
		x0, x1 := int(math.Round(cx-dx)), int(math.Round(cx+dx))
		if shade > 0 {
			c.shadeSpan(y, x0, x1, shade)
		} else {
			c.span(y, x0, x1, k)
		}
	}
}

type pt struct{ x, y float64 }

// poly fills a convex polygon.
func (c canvas) poly(k col, ps ...pt) {
	if len(ps) < 3 {
		return
	}
	top, bot := ps[0].y, ps[0].y
	for _, p := range ps {
		top, bot = min(top, p.y), max(bot, p.y)
	}
	for y := int(math.Round(top)); y < int(math.Round(bot)); y++ {
		fy := float64(y) + 0.5
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, a := range ps {
			b := ps[(i+1)%len(ps)]
			if (a.y <= fy && b.y > fy) || (b.y <= fy && a.y > fy) {
				x := a.x + (fy-a.y)/(b.y-a.y)*(b.x-a.x)
				lo, hi = min(lo, x), max(hi, x)
			}
		}
		if lo <= hi {
			c.span(y, int(math.Round(lo)), int(math.Round(hi)), k)
		}
	}
}

// line draws a segment of width w as a thin polygon.
func (c canvas) line(a, b pt, w float64, k col) {
	dx, dy := b.x-a.x, b.y-a.y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	c.poly(k, pt{a.x + nx, a.y + ny}, pt{b.x + nx, b.y + ny}, pt{b.x - nx, b.y - ny}, pt{a.x - nx, a.y - ny})
}

// dot sets one pixel if it lies inside the canvas.
func (c canvas) dot(x, y int, k col) {
	if (image.Point{x, y}).In(c.Rect) {
		c.set(x, y, k)
	}
}
