package camcloud

import "github.com/poslink/poslink/internal/sim/seedhash"

// mix is splitmix64's finalizer: a fast, well-spread hash of one word.
// Every "random" choice of the simulator (a synthetic camera's name, the
// colours of its shop, where a customer stands at a given second) is a mix
// over (seed, device, time, purpose), so the same seed and clock give the
// same cameras and the same pictures on any machine, with nothing stored.
func mix(x uint64) uint64 { return seedhash.Mix(x) }

// draw hashes the words into one 64-bit value.
func draw(words ...uint64) uint64 { return seedhash.Draw(0x243f6a8885a308d3, words...) }

// hashString folds s into one word (FNV-1a, then mixed).
func hashString(s string) uint64 { return mix(seedhash.FNV(s)) }

func unit(h uint64) float64 { return seedhash.Unit(h) }

func pick(h uint64, n int) int { return seedhash.Pick(h, n) }

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
	pNight
)
