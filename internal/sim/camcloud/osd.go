package camcloud

import (
	"fmt"
	"time"
)

// drawOSD writes what a camera burns into its picture: the time at the top
// left (YYYY/MM/DD HH:MM:SS JST), the camera's name at the bottom left and
// its device ID at the bottom right, white with a black outline so they
// read on any background.
func drawOSD(c canvas, d *Device, sec int64) error {
	gs, err := glyphs()
	if err != nil {
		return fmt.Errorf("draw OSD: %w", err)
	}
	ts := time.Unix(sec, 0).In(jst).Format("2006/01/02 15:04:05") + " JST"
	drawText(c, gs, 10, 8, FrameWidth, ts)
	bottom := FrameHeight - glyphRows - 8
	idX := FrameWidth - 10 - textWidth(gs, d.ID)
	drawText(c, gs, idX, bottom, FrameWidth, d.ID)
	// A long name stops short of the ID rather than running over it.
	drawText(c, gs, 10, bottom, idX-12, d.Name)
	return nil
}

func textWidth(gs []osdGlyph, s string) int {
	w := 0
	for _, r := range s {
		if g := lookupGlyph(gs, r); g != nil {
			w += g.width
		}
	}
	return w
}

// drawText draws s with its top left at (x, y), the glyphs that end
// before maxX: first the outline (each lit pixel's neighbours in black),
// then the glyphs in white.
func drawText(c canvas, gs []osdGlyph, x, y, maxX int, s string) {
	for pass := range 2 {
		cx := x
		for _, r := range s {
			g := lookupGlyph(gs, r)
			if g == nil {
				continue
			}
			if cx+g.width > maxX {
				break
			}
			for row, bits := range g.rows {
				for bx := 0; bits != 0 && bx < 16; bx++ {
					if bits&(1<<(15-bx)) == 0 {
						continue
					}
					px, py := cx+bx, y+row
					if pass == 0 {
						for dy := -1; dy <= 1; dy++ {
							for dx := -1; dx <= 1; dx++ {
								c.dot(px+dx, py+dy, col{0, 0, 0})
							}
						}
					} else {
						c.dot(px, py, col{255, 255, 255})
					}
				}
			}
			cx += g.width
		}
	}
}
