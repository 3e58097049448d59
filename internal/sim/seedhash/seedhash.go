// Package seedhash is how the simulators make up data without storing it:
// every "random" choice is a hash over the seed and a few words naming what
// is chosen, so the same seed gives the same shops, credentials and pictures
// on any machine.
package seedhash

// Mix is splitmix64's finalizer: a fast, well-spread hash of one word.
func Mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Draw hashes the words into one value. salt separates the simulators, so
// that the same words give unrelated values in each.
func Draw(salt uint64, words ...uint64) uint64 {
	h := salt
	for _, w := range words {
		h = Mix(h ^ w)
	}
	return h
}

// FNV folds a string into one word (FNV-1a), for drawing over names.
func FNV(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// Unit maps a hash to [0, 1).
func Unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// Pick maps a hash to [0, n).
func Pick(h uint64, n int) int { return int(h % uint64(n)) }
