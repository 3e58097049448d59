package imagefit

import (
	"crypto/sha256"
	"encoding/hex"
)

// ETag names an image's bytes for HTTP revalidation (a quoted strong
// ETag).
func ETag(img []byte) string {
	sum := sha256.Sum256(img)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}
