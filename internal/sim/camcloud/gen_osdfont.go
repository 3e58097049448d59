//go:build ignore

// gen_osdfont builds osdfont.bin, the 12-dot bitmap font of the frames'
// on-screen display, from the Shinonome (東雲) fonts' PCF files:
//
//	apt-get download xfonts-shinonome && dpkg-deb -x xfonts-shinonome_*.deb x
//	go run gen_osdfont.go -dir x/usr/share/fonts/X11/misc
//
// Shinonome is in the public domain (its authors waive their rights and
// allow conversion, embedding and redistribution; see osdfont.go). The
// output keeps ASCII, half-width katakana, the non-kanji rows of JIS X 0208
// and its level-1 kanji: enough for camera names in 58 KB (gzipped), where a
// scalable CJK font would be megabytes.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/text/encoding/japanese"
)

const (
	cell = 12 // rows per glyph in the output

	pcfMetrics   = 1 << 2
	pcfBitmaps   = 1 << 3
	pcfEncodings = 1 << 5

	pcfCompressedMetrics = 0x100
	pcfByteMSB           = 1 << 2
	pcfBitMSB            = 1 << 3
)

type glyph struct {
	r     rune
	width int          // advance in pixels: 6 or 12
	rows  [cell]uint16 // bit 15 is the leftmost pixel
}

func main() {
	dir := flag.String("dir", "/usr/share/fonts/X11/misc", "folder holding the Shinonome PCF files")
	out := flag.String("o", "osdfont.bin", "output file")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		log.Fatal(err)
	}
}

func run(dir, out string) error {
	var all []glyph
	// ASCII and ISO 8859-1 from the latin-1 half-width font.
	latin, err := load(filepath.Join(dir, "shnm6x12a.pcf.gz"))
	if err != nil {
		return err
	}
	for c := 0x20; c <= 0x7e; c++ {
		if g, ok := latin[[2]int{0, c}]; ok {
			g.r = rune(c)
			all = append(all, g)
		}
	}
	// Half-width katakana: JIS X 0201 0xA1–0xDF is U+FF61–U+FF9F.
	kana, err := load(filepath.Join(dir, "shnm6x12r.pcf.gz"))
	if err != nil {
		return err
	}
	for c := 0xa1; c <= 0xdf; c++ {
		if g, ok := kana[[2]int{0, c}]; ok {
			g.r = rune(0xff61 + c - 0xa1)
			all = append(all, g)
		}
	}
	// JIS X 0208: rows 1–8 (symbols, kana, Greek, Cyrillic, box drawing)
	// and 16–47 (level-1 kanji). The Unicode mapping is x/text's EUC-JP.
	kanji, err := load(filepath.Join(dir, "shnmk12.pcf.gz"))
	if err != nil {
		return err
	}
	dec := japanese.EUCJP.NewDecoder()
	for row := 1; row <= 47; row++ {
		if row > 8 && row < 16 {
			continue
		}
		for col := 1; col <= 94; col++ {
			g, ok := kanji[[2]int{0x20 + row, 0x20 + col}]
			if !ok {
				continue
			}
			s, err := dec.Bytes([]byte{byte(0xa0 + row), byte(0xa0 + col)})
			rs := []rune(string(s))
			if err != nil || len(rs) != 1 || rs[0] == '\ufffd' {
				continue
			}
			g.r = rs[0]
			all = append(all, g)
		}
	}
	slices.SortFunc(all, func(a, b glyph) int { return int(a.r) - int(b.r) })
	all = slices.CompactFunc(all, func(a, b glyph) bool { return a.r == b.r })

	// Format: "OSD1", uint32 count, then per glyph uint32 rune, uint8
	// width and 12 big-endian uint16 rows; gzip without a timestamp, so
	// the same fonts give the same bytes.
	var raw bytes.Buffer
	raw.WriteString("OSD1")
	_ = binary.Write(&raw, binary.BigEndian, uint32(len(all)))
	for _, g := range all {
		_ = binary.Write(&raw, binary.BigEndian, uint32(g.r))
		raw.WriteByte(byte(g.width))
		_ = binary.Write(&raw, binary.BigEndian, g.rows)
	}
	var z bytes.Buffer
	zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, z.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%d glyphs, %d bytes raw, %d bytes gzipped\n", len(all), raw.Len(), z.Len())
	return nil
}

// load reads a gzipped PCF file into glyphs keyed by (byte1, byte2) of
// their encoding; byte1 is 0 for single-byte fonts.
func load(path string) (map[[2]int]glyph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := parsePCF(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

type metric struct{ lsb, rsb, width, ascent, descent int }

// parsePCF decodes the metrics, bitmaps and encodings tables of a PCF font
// (the X11 "portable compiled format").
func parsePCF(b []byte) (map[[2]int]glyph, error) {
	if len(b) < 8 || string(b[:4]) != "\x01fcp" {
		return nil, errors.New("not a PCF file")
	}
	le := binary.LittleEndian
	n := int(le.Uint32(b[4:]))
	tables := map[uint32][]byte{}
	for i := range n {
		e := b[8+16*i:]
		typ, size, off := le.Uint32(e), le.Uint32(e[8:]), le.Uint32(e[12:])
		// Some writers round the last table's size up past the end.
		if int(off) > len(b) {
			return nil, errors.New("table out of range")
		}
		tables[typ] = b[off:min(int(off+size), len(b))]
	}
	mt, bt, et := tables[pcfMetrics], tables[pcfBitmaps], tables[pcfEncodings]
	if mt == nil || bt == nil || et == nil {
		return nil, errors.New("missing metrics, bitmaps or encodings table")
	}
	order := func(t []byte) (uint32, binary.ByteOrder) {
		f := le.Uint32(t)
		if f&pcfByteMSB != 0 {
			return f, binary.BigEndian
		}
		return f, binary.LittleEndian
	}

	// Metrics.
	f, o := order(mt)
	var ms []metric
	if f&pcfCompressedMetrics != 0 {
		cnt := int(o.Uint16(mt[4:]))
		for i := range cnt {
			p := mt[6+5*i:]
			ms = append(ms, metric{int(p[0]) - 0x80, int(p[1]) - 0x80, int(p[2]) - 0x80, int(p[3]) - 0x80, int(p[4]) - 0x80})
		}
	} else {
		cnt := int(o.Uint32(mt[4:]))
		for i := range cnt {
			p := mt[8+12*i:]
			s := func(k int) int { return int(int16(o.Uint16(p[2*k:]))) }
			ms = append(ms, metric{s(0), s(1), s(2), s(3), s(4)})
		}
	}

	// Bitmaps.
	f, o = order(bt)
	cnt := int(o.Uint32(bt[4:]))
	offs := make([]int, cnt)
	for i := range offs {
		offs[i] = int(o.Uint32(bt[8+4*i:]))
	}
	data := bt[8+4*cnt+16:]
	pad := 1 << (f & 3)
	msbBit := f&pcfBitMSB != 0
	ascent := 0
	for _, m := range ms {
		ascent = max(ascent, m.ascent)
	}
	// The cell's baseline sits where 12-dot Shinonome puts it: 10 rows of
	// ascent, 2 of descent.
	const cellAscent = 10
	glyphs := make([]glyph, cnt)
	for i := range cnt {
		m := ms[i]
		w, h := m.rsb-m.lsb, m.ascent+m.descent
		stride := ((w+7)/8 + pad - 1) / pad * pad
		g := glyph{width: m.width}
		for y := range h {
			cy := cellAscent - m.ascent + y
			if cy < 0 || cy >= cell {
				continue
			}
			for x := range w {
				by := data[offs[i]+y*stride+x/8]
				bit := by>>(x%8)&1 == 1
				if msbBit {
					bit = by>>(7-x%8)&1 == 1
				}
				cx := m.lsb + x
				if bit && cx >= 0 && cx < 16 {
					g.rows[cy] |= 1 << (15 - cx)
				}
			}
		}
		glyphs[i] = g
	}

	// Encodings.
	_, o = order(et)
	minB2, maxB2 := int(o.Uint16(et[4:])), int(o.Uint16(et[6:]))
	minB1, maxB1 := int(o.Uint16(et[8:])), int(o.Uint16(et[10:]))
	out := map[[2]int]glyph{}
	idx := 14
	for b1 := minB1; b1 <= maxB1; b1++ {
		for b2 := minB2; b2 <= maxB2; b2++ {
			gi := int(o.Uint16(et[idx:]))
			idx += 2
			if gi != 0xffff && gi < cnt {
				out[[2]int{b1, b2}] = glyphs[gi]
			}
		}
	}
	return out, nil
}
