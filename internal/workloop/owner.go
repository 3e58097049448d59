package workloop

import (
	"crypto/rand"
	"encoding/hex"
	"os"
)

// NewOwner names this instance in the leases it takes: host and a random
// part, so that two loops of one process (tests) differ too.
func NewOwner() string {
	host, _ := os.Hostname()
	if len(host) > 32 {
		host = host[:32]
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
