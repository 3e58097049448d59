package ubiregi

import "github.com/poslink/poslink/internal/sim/seedhash"

// draw hashes the words into one 64-bit value (splitmix64 underneath). Every
// id, guid and password the simulator derives is a draw over (seed, account,
// …, purpose), so the same seed gives the same data anywhere, and nothing has
// to be stored to stay stable.
func draw(words ...uint64) uint64 { return seedhash.Draw(0x452821e638d01377, words...) }

// The purposes of draws, so that derived values are independent.
const (
	hTerminal uint64 = iota + 1
	hDevice
	hCheckout
	hItem
	hPayment
	hTax
	hPassword
	hCreated
	hDevices
)

// guid formats two hashes as an upper-case version-4 UUID, the form the
// real API shows for device_id and checkout guids.
func guid(a, b uint64) string {
	const hexdig = "0123456789ABCDEF"
	a = a&^(0xf<<12) | 0x4<<12 // version 4 in the third group
	b = b&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	var out [36]byte
	pos := 0
	put := func(v uint64, nibbles int) {
		for i := nibbles - 1; i >= 0; i-- {
			out[pos] = hexdig[(v>>(4*uint(i)))&0xf]
			pos++
		}
	}
	put(a>>32, 8)
	out[pos] = '-'
	pos++
	put(a>>16, 4)
	out[pos] = '-'
	pos++
	put(a, 4)
	out[pos] = '-'
	pos++
	put(b>>48, 4)
	out[pos] = '-'
	pos++
	put(b, 12)
	return string(out[:])
}
