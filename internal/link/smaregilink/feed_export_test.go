package smaregilink

import "github.com/poslink/poslink/internal/pos"

// SetFeedLimit makes a feed read pages of n records, so that tests reach
// seconds holding more records than a page without a huge contract.
func SetFeedLimit(fd pos.Feed, n int) { fd.(*feed).limit = n }
