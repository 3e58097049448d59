package camcloud

// mix is splitmix64's finalizer: a fast, well-spread hash of one word.
// Every "random" choice of the simulator (a synthetic camera's name, the
// colours of its shop, where a customer stands at a given second) is a mix
// over (seed, device, time, purpose), so the same seed and clock give the
// same cameras and the same pictures on any machine, with nothing stored.
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

// hashString folds s into one word (FNV-1a, then mixed).
func hashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return mix(h)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// pick maps a hash to [0, n).
func pick(h uint64, n int) int { return int(h % uint64(n)) }

// The purposes of draws, so that different choices are independent.
const (
	pSerial uint64 = iota + 1
	pName
	pModel
	pKey
	pScene
	pCustomer
	pNoise
	pETag
)
