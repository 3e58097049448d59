package camcloud

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// The scene is a shop seen by a camera high in a corner: a back wall with
// a glass door, shelves, a poster and a clock, a tiled floor, a counter
// with a register and a clerk, and customers who come in, browse, pay and
// leave. Everything in it is a function of (seed, device, second): the
// shop's look of the device, the people's places of the second.

// jst is Japan's time: no daylight saving since 1951, so a fixed zone is
// exact and needs no tzdata on the machine.
var jst = time.FixedZone("JST", 9*3600)

// lightsEarly is how long (minutes) before opening the staff switch the
// lights on, and after closing off: the shops whose camera is off at night
// switch it off and on with the lights.
const lightsEarly = 30

const (
	wallBase = 130.0 // screen row where the back wall meets the floor
	horizonY = 10.0  // the floor's vanishing row (the camera's eye level)
	slots    = 4     // customers a shop can hold at once
)

// heightAt is how tall (px) a 1.7 m person standing on floor row y looks:
// proportional to the distance below the horizon.
func heightAt(y float64) float64 { return 0.6 * (y - horizonY) }

// look is a shop's fixed appearance, drawn from the seed and device.
type look struct {
	wall, floorA, floorB, counter, poster col
	doorX                                 float64
	open, close                           int // local minutes of the day
	clerk                                 col
	shelf                                 [3][8]col // product colours per board
	productH                              [3][8]float64
}

var (
	wallColours  = []col{{222, 214, 196}, {205, 210, 205}, {226, 222, 214}, {214, 200, 184}, {196, 206, 214}}
	floorColours = [][2]col{{{150, 140, 126}, {136, 127, 114}}, {{170, 168, 160}, {150, 148, 142}}, {{128, 104, 82}, {116, 94, 74}}}
	counterWood  = []col{{150, 104, 64}, {120, 84, 56}, {90, 90, 96}, {176, 150, 116}}
	clothes      = []col{{40, 60, 110}, {160, 40, 40}, {230, 230, 226}, {40, 40, 44}, {70, 120, 80}, {200, 160, 60}, {110, 70, 120}, {120, 120, 128}, {200, 110, 140}}
	skins        = []col{{236, 200, 170}, {220, 180, 146}, {198, 154, 120}}
	products     = []col{{210, 50, 40}, {240, 200, 40}, {40, 120, 200}, {50, 160, 80}, {240, 240, 235}, {230, 120, 40}, {150, 60, 140}, {60, 60, 60}}
)

// hoursOf are the shop's opening hours, local minutes of the day: it opens
// between 8:00 and 10:00 and closes between 20:00 and 22:00.
func hoursOf(seed, dev uint64) (open, close int) {
	return 8*60 + 30*pick(draw(seed, dev, pScene, 6), 5), 20*60 + 30*pick(draw(seed, dev, pScene, 7), 5)
}

func lookOf(seed, dev uint64) look {
	h := func(p uint64, more ...uint64) uint64 { return draw(append([]uint64{seed, dev, pScene, p}, more...)...) }
	fl := floorColours[pick(h(2), len(floorColours))]
	open, close := hoursOf(seed, dev)
	l := look{
		wall:    wallColours[pick(h(1), len(wallColours))],
		floorA:  fl[0],
		floorB:  fl[1],
		counter: counterWood[pick(h(3), len(counterWood))],
		poster:  products[pick(h(4), len(products))],
		doorX:   20 + float64(pick(h(5), 50)),
		open:    open,
		close:   close,
		clerk:   clothes[pick(h(8), len(clothes))],
	}
	for b := range l.shelf {
		for i := range l.shelf[b] {
			l.shelf[b][i] = products[pick(h(9, uint64(b), uint64(i)), len(products))]
			l.productH[b][i] = 10 + float64(pick(h(10, uint64(b), uint64(i)), 12))
		}
	}
	return l
}

// light is the state of the light at a local time.
type light struct {
	sky      col     // what the glass door shows
	interior float64 // brightness factor of the room
	night    bool    // the camera switched to infrared (grey, grainy)
	open     bool    // the shop is open: clerk and customers about
}

func lightAt(l *look, t time.Time) light {
	hf := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
	// Daylight from about 5:30 to 19:00, strongest at noon.
	day := max(0, math.Sin(math.Pi*(hf-5.5)/13.5))
	sky := lerp(col{14, 18, 36}, col{150, 188, 226}, day*1.6)
	if day > 0 && day < 0.35 {
		sky = lerp(sky, col{236, 150, 90}, 0.5*(1-day/0.35)) // dawn and dusk
	}
	m := t.Hour()*60 + t.Minute()
	lit := m >= l.open-lightsEarly && m < l.close+lightsEarly
	li := light{sky: sky, open: m >= l.open && m < l.close}
	switch {
	case lit:
		li.interior = 1
	default:
		li.interior = 0.12 + 0.55*day
	}
	li.night = li.interior < 0.3
	return li
}

// person is someone on the floor; (x, y) is where their feet are.
type person struct {
	x, y                     float64
	shirt, trousers, skin    col
	hair                     col
	stride                   float64 // walking phase, 0 when standing
	behindCounter, backShown bool
}

// customers computes who is in the shop at second sec.
func customers(seed, dev uint64, l *look, sec int64, li light) []person {
	if !li.open {
		return nil
	}
	local := time.Unix(sec, 0).In(jst)
	m := float64(local.Hour()*60 + local.Minute())
	// Busier at lunch and in the evening.
	busy := 0.35 + 0.4*math.Exp(-sq((m-12.5*60)/60)) + 0.35*math.Exp(-sq((m-18.5*60)/75))
	var out []person
	for j := range uint64(slots) {
		h := func(p uint64, more ...uint64) uint64 {
			return draw(append([]uint64{seed, dev, pCustomer, j, p}, more...)...)
		}
		period := int64(240 + pick(h(1), 420))
		shifted := sec + int64(pick(h(2), int(period)))
		cycle := floorDiv(shifted, period)
		ph := float64(shifted-cycle*period) / float64(period)
		c := uint64(cycle)
		if unit(h(3, c)) >= busy {
			continue
		}
		door := pt{l.doorX + 30, wallBase + 4}
		aisle := pt{320, 320}
		shelf := pt{170 + float64(pick(h(4, c), 150)), 150 + float64(pick(h(5, c), 40))}
		till := pt{400 + float64(pick(h(6, c), 170)), 318 + float64(pick(h(7, c), 22))}
		p := person{
			shirt:    clothes[pick(h(8, c), len(clothes))],
			trousers: clothes[pick(h(9, c), len(clothes))].scale(0.55),
			skin:     skins[pick(h(10, c), len(skins))],
			hair:     col{30, 24, 20}.scale(1 + 2*unit(h(11, c))),
		}
		var at pt
		switch {
		case ph < 0.12:
			at, p.stride = along(door, shelf, ph/0.12), ph*60
		case ph < 0.45:
			at = pt{shelf.x + 6*math.Sin(float64(sec)/9+float64(j)), shelf.y}
		case ph < 0.57:
			// Round the left end of the counter, not through it.
			at, p.stride = path((ph-0.45)/0.12, shelf, aisle, till), ph*60
			p.backShown = true
		case ph < 0.8:
			at = till
			p.backShown = true
		default:
			at, p.stride = path((ph-0.8)/0.2, till, aisle, door), ph*90
		}
		p.x, p.y = at.x, at.y
		out = append(out, p)
	}
	return out
}

func along(a, b pt, t float64) pt { return pt{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }

// path is the point a fraction t along a, b, c, at even speed.
func path(t float64, a, b, c pt) pt {
	l1, l2 := math.Hypot(b.x-a.x, b.y-a.y), math.Hypot(c.x-b.x, c.y-b.y)
	d := t * (l1 + l2)
	if d <= l1 {
		return along(a, b, d/l1)
	}
	return along(b, c, (d-l1)/l2)
}

func sq(x float64) float64 { return x * x }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// drawScene paints the shop at second sec into c (640×360).
func drawScene(c canvas, seed, dev uint64, sec int64) light {
	l := lookOf(seed, dev)
	local := time.Unix(sec, 0).In(jst)
	li := lightAt(&l, local)
	w := float64(c.Rect.Dx())

	// Back wall, a little darker towards the ceiling.
	for y := 0; y < int(wallBase); y++ {
		c.span(y, 0, c.Rect.Dx(), l.wall.scale(0.86+0.14*float64(y)/wallBase))
	}
	c.rect(0, wallBase-6, w, wallBase, l.wall.scale(0.7)) // skirting board
	drawFloor(c, &l)

	// Glass door: the sky above, the street below, a frame round it.
	d := l.doorX
	c.rect(d-4, 40, d+64, wallBase, col{70, 70, 74})
	c.rect(d, 44, d+60, wallBase-24, li.sky)
	c.rect(d, wallBase-24, d+60, wallBase, lerp(col{60, 60, 64}, li.sky, 0.3))
	c.rect(d+29, 44, d+31, wallBase, col{70, 70, 74})

	// Shelves with goods.
	for b := range 3 {
		top := 30 + float64(b)*32
		c.rect(150, top+28, 340, top+32, col{110, 100, 90})
		x := 154.0
		for i, k := range l.shelf[b] {
			wd := 18 + float64(i%3)*2
			c.rect(x, top+28-l.productH[b][i], x+wd, top+28, k)
			c.rect(x, top+28-l.productH[b][i], x+wd, top+30-l.productH[b][i], k.scale(1.25))
			x += wd + 4
		}
	}
	c.rect(146, 24, 150, wallBase, col{110, 100, 90})
	c.rect(340, 24, 344, wallBase, col{110, 100, 90})

	// A poster and a clock that shows the time, as in any shop.
	c.rect(470, 22, 560, 82, col{245, 245, 240})
	c.rect(474, 26, 556, 52, l.poster)
	for i := range 3 {
		c.rect(478, 58+float64(i)*7, 552-float64(i)*14, 61+float64(i)*7, col{90, 90, 90})
	}
	drawClock(c, pt{400, 48}, 20, local)

	// The clerk stands behind the counter, swaying a little.
	people := customers(seed, dev, &l, sec, li)
	if li.open {
		people = append(people, person{
			x: 500 + 40*math.Sin(float64(sec)/23), y: 250,
			shirt: l.clerk, trousers: col{40, 40, 48}, skin: skins[pick(draw(seed, dev, pScene, 11), len(skins))],
			hair: col{34, 28, 24}, behindCounter: true,
		})
	}
	slices.SortStableFunc(people, func(a, b person) int { return cmp.Compare(a.y, b.y) })
	counterDrawn := false
	for _, p := range people {
		if !counterDrawn && !p.behindCounter && p.y > 300 {
			drawCounter(c, &l)
			counterDrawn = true
		}
		drawPerson(c, p)
	}
	if !counterDrawn {
		drawCounter(c, &l)
	}
	return li
}

// drawFloor lays perspective tiles: a tile's column follows x divided by
// the distance below the horizon, its row the inverse of that distance.
func drawFloor(c canvas, l *look) {
	w := c.Rect.Dx()
	for y := int(wallBase); y < c.Rect.Dy(); y++ {
		dist := float64(y) + 0.5 - horizonY
		row := int(2400/dist) & 1
		inv := 1 / dist
		// Slightly lighter nearer the camera, as under the ceiling lights.
		fa, fb := l.floorA.scale(0.92+0.12*float64(y)/360), l.floorB.scale(0.92+0.12*float64(y)/360)
		grout := l.floorB.scale(0.8)
		for x := range w {
			u := (float64(x) - 320) * inv * 8
			ui := int(math.Floor(u))
			k := fa
			if (ui+row)&1 == 1 {
				k = fb
			}
			if u-float64(ui) < 0.04 {
				k = grout
			}
			c.set(x, y, k)
		}
	}
}

func drawCounter(c canvas, l *look) {
	top, front := l.counter.scale(1.2), l.counter.scale(0.8)
	c.poly(top, pt{372, 176}, pt{612, 176}, pt{626, 200}, pt{356, 200})
	c.rect(356, 200, 626, 300, front)
	c.rect(356, 200, 626, 204, l.counter.scale(1.35)) // the edge catches the light
	c.ellipse(491, 300, 150, 6, col{}, 0.75)
	// The register: a dark body, a lit screen, a receipt printer.
	c.rect(430, 150, 500, 182, col{46, 46, 52})
	c.poly(col{30, 30, 36}, pt{440, 128}, pt{490, 128}, pt{494, 152}, pt{436, 152})
	c.rect(444, 132, 486, 148, col{120, 190, 230})
	c.rect(520, 160, 548, 184, col{220, 220, 218})
	c.rect(524, 156, 544, 162, col{250, 250, 250})
}

func drawClock(c canvas, at pt, r float64, t time.Time) {
	c.ellipse(at.x, at.y, r+2, r+2, col{60, 60, 60}, 0)
	c.ellipse(at.x, at.y, r, r, col{250, 250, 246}, 0)
	hand := func(frac, length, width float64, k col) {
		a := 2 * math.Pi * frac
		c.line(at, pt{at.x + length*math.Sin(a), at.y - length*math.Cos(a)}, width, k)
	}
	s := float64(t.Second())
	m := float64(t.Minute()) + s/60
	hand((float64(t.Hour()%12)+m/60)/12, r*0.55, 3, col{30, 30, 30})
	hand(m/60, r*0.85, 2, col{30, 30, 30})
	hand(s/60, r*0.9, 1.2, col{200, 30, 30})
}

func drawPerson(c canvas, p person) {
	h := heightAt(p.y)
	x, y := p.x, p.y
	c.ellipse(x, y, h*0.2, h*0.05, col{}, 0.7) // shadow on the floor
	swing := math.Sin(p.stride) * h * 0.06
	legW := h * 0.085
	c.rect(x-h*0.1+swing, y-h*0.47, x-h*0.1+swing+legW, y, p.trousers)
	c.rect(x+h*0.02-swing, y-h*0.47, x+h*0.02-swing+legW, y, p.trousers)
	// Torso, shoulders and arms.
	c.rect(x-h*0.14, y-h*0.78, x+h*0.14, y-h*0.44, p.shirt)
	c.ellipse(x, y-h*0.76, h*0.15, h*0.05, p.shirt, 0)
	c.rect(x-h*0.19, y-h*0.76+swing*0.3, x-h*0.13, y-h*0.5+swing*0.3, p.shirt.scale(0.85))
	c.rect(x+h*0.13, y-h*0.76-swing*0.3, x+h*0.19, y-h*0.5-swing*0.3, p.shirt.scale(0.85))
	c.rect(x-h*0.03, y-h*0.83, x+h*0.03, y-h*0.78, p.skin.scale(0.9)) // neck
	// Head: the back of it is hair only.
	c.ellipse(x, y-h*0.9, h*0.07, h*0.085, p.skin, 0)
	if p.backShown {
		c.ellipse(x, y-h*0.9, h*0.072, h*0.087, p.hair, 0)
	} else {
		c.ellipse(x, y-h*0.945, h*0.072, h*0.045, p.hair, 0)
	}
}
