package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// keys name an attempt's counters. They are bounded whatever the input.
type keys struct {
	accountAddress, account, address string
}

func keysFor(email, clientIP string) keys {
	account := hashKey(email)
	address := addressKey(clientIP)
	return keys{accountAddress: account + " " + address, account: account, address: address}
}

func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// addressKey is the client's IPv4 address, or its IPv6 /64: one host
// usually holds a whole /64, so counting single IPv6 addresses would count
// nothing.
func addressKey(clientIP string) string {
	addr, err := netip.ParseAddr(clientIP)
	if err != nil {
		return "?" + hashKey(clientIP)
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.WithZone("").Prefix(64)
	return p.String()
}
