package smaregi

import (
	"encoding/hex"
	"github.com/poslink/poslink/internal/sim/seedhash"
)

// mix is splitmix64's finalizer. Everything the simulator invents (IDs,
// credentials, delays, names) is drawn from mix over the seed and a few
// words, so the same seed answers the same anywhere, with nothing stored.
func mix(x uint64) uint64 { return seedhash.Mix(x) }

// draw hashes the words into one 64-bit value.
func draw(words ...uint64) uint64 { return seedhash.Draw(0x6a09e667f3bcc908, words...) }

// hashString folds a string into a word for draw.
func hashString(s string) uint64 { return seedhash.FNV(s) }

// hexDraw returns n lower-case hex digits drawn from the words.
func hexDraw(n int, words ...uint64) string {
	b := make([]byte, 0, (n+15)/16*8)
	h := draw(words...)
	for len(b)*2 < n {
		for i := range 8 {
			b = append(b, byte(h>>(8*i)))
		}
		h = mix(h)
	}
	return hex.EncodeToString(b)[:n]
}

// Purposes of draws, so that the choices stay independent of each other.
const (
	pClientID uint64 = iota + 0x51
	pSecret
	pLegacyToken
	pTerminalSeed
	pContractID
	pRecvDelay
	pCard
	pStoreName
	pSynthOffset
	pTokenKey
)
