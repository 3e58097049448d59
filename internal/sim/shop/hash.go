package shop

import "github.com/poslink/poslink/internal/sim/seedhash"

// draw hashes the words into one 64-bit value (splitmix64 underneath). The
// generator draws every "random" choice over (seed, minute, sale, purpose),
// so the same seed and clock give the same shop anywhere.
func draw(words ...uint64) uint64 { return seedhash.Draw(0x243f6a8885a308d3, words...) }

func unit(h uint64) float64 { return seedhash.Unit(h) }

func pick(h uint64, n int) int { return seedhash.Pick(h, n) }

// The purposes of draws, so that one sale's choices are independent.
const (
	pCount uint64 = iota + 1
	pOffset
	pLines
	pItem
	pQty
	pMethod
	pDeposit
	pStaff
	pLater
	pLaterAt
	pVoid
	pOpenFor
	pGuests
)
