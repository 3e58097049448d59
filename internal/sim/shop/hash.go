package shop

// mix is splitmix64's finalizer: a fast, well-spread hash of one word. The
// generator draws every "random" choice from mix over (seed, minute, sale,
// purpose), so the same seed and clock give the same shop anywhere.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// draw hashes the words into one 64-bit value.
func draw(words ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, w := range words {
		h = mix(h ^ w)
	}
	return h
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// pick maps a hash to [0, n).
func pick(h uint64, n int) int { return int(h % uint64(n)) }

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
