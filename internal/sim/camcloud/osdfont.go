package camcloud

//go:generate go run gen_osdfont.go -dir /usr/share/fonts/X11/misc

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"
)

// osdfontData is the on-screen display's font: 12-dot glyphs of ASCII,
// half-width katakana, JIS X 0208 symbols and kana and level-1 kanji,
// converted by gen_osdfont.go from the Shinonome (東雲) bitmap fonts.
//
// Licence: Shinonome is in the public domain. Its README and the Debian
// copyright file (package xfonts-shinonome) say: "このアーカイブに含まれる
// すべてのフォントデータ、ドキュメント、スクリプト類はすべて Public Domain
// で提供されています … 自由な改造、他フォーマットへの変換、組込み、再配布を
// 行うことができます。" (all font data is public domain; modifying,
// converting, embedding and redistributing are free). Authors: Yasuyuki
// Furukawa and the /efont/ project.
//
//go:embed osdfont.bin
var osdfontData []byte

const glyphRows = 12

// osdGlyph is one character: its advance and rows, bit 15 leftmost.
type osdGlyph struct {
	r     rune
	width int
	rows  [glyphRows]uint16
}

var (
	fontOnce   sync.Once
	fontGlyphs []osdGlyph
	fontErr    error
)

// glyphs decodes the embedded font on first use: a frame is rendered only
// by servers that are asked for one, so the others never pay for it.
func glyphs() ([]osdGlyph, error) {
	fontOnce.Do(func() { fontGlyphs, fontErr = decodeFont(osdfontData) })
	return fontGlyphs, fontErr
}

func decodeFont(z []byte) ([]osdGlyph, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("osd font: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("osd font: %w", err)
	}
	const per = 4 + 1 + 2*glyphRows
	if len(raw) < 8 || string(raw[:4]) != "OSD1" {
		return nil, fmt.Errorf("osd font: bad header")
	}
	n := int(binary.BigEndian.Uint32(raw[4:]))
	if len(raw) != 8+n*per {
		return nil, fmt.Errorf("osd font: %d bytes for %d glyphs", len(raw), n)
	}
	out := make([]osdGlyph, n)
	for i := range out {
		p := raw[8+i*per:]
		g := osdGlyph{r: rune(binary.BigEndian.Uint32(p)), width: int(p[4])}
		for y := range g.rows {
			g.rows[y] = binary.BigEndian.Uint16(p[5+2*y:])
		}
		out[i] = g
	}
	return out, nil
}

// lookupGlyph finds r, or the tofu box '□' for characters the font lacks
// (level-2 kanji, emoji), so a name still shows how long it is.
func lookupGlyph(gs []osdGlyph, r rune) *osdGlyph {
	for _, want := range [...]rune{r, '□', '?'} {
		if i, ok := slices.BinarySearchFunc(gs, want, func(g osdGlyph, r rune) int { return int(g.r - r) }); ok {
			return &gs[i]
		}
	}
	return nil
}
