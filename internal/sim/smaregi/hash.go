package smaregi

import (
	"encoding/hex"
	"hash/fnv"
)

// mix is splitmix64's finalizer. Everything the simulator invents (IDs,
// credentials, delays, names) is drawn from mix over the seed and a few
// words, so the same seed answers the same anywhere, with nothing stored.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// draw hashes the words into one 64-bit value.
func draw(words ...uint64) uint64 {
	h := uint64(0x6a09e667f3bcc908)
	for _, w := range words {
		h = mix(h ^ w)
	}
	return h
}

// hashString folds a string into a word for draw.
func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

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
