package ubiregilink

import (
	"sync"
	"time"

	"github.com/poslink/poslink/internal/link"
)

const (
	// deviceCacheTTL is how long a device list read for a page stands in
	// for Ubiregi when the owner presses 更新 on it: registers are added
	// rarely, and a GUID missing from the list is looked up again anyway.
	deviceCacheTTL = 5 * time.Minute
	// deviceCacheSize bounds the memory: lists of accounts whose owners are
	// on their settings page now.
	deviceCacheSize = 4096
)

// deviceCache keeps the device lists of recently shown accounts, per
// instance. It holds names and GUIDs only, never a token.
type deviceCache struct {
	ttl  time.Duration
	size int
	now  func() time.Time
	mu   sync.Mutex
	m    map[int64]cachedDevices // by connection ID
}

type cachedDevices struct {
	tenantID  int64
	terminals []link.Terminal
	until     time.Time
}

// newDeviceCache returns a cache whose entries last ttl on the clock now.
func newDeviceCache(ttl time.Duration, size int, now func() time.Time) *deviceCache {
	return &deviceCache{ttl: ttl, size: size, now: now, m: map[int64]cachedDevices{}}
}

// get returns the connection's list if it is fresh and the tenant's.
func (c *deviceCache) get(tenantID, connID int64) ([]link.Terminal, bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[connID]
	if !ok || e.tenantID != tenantID || now.After(e.until) {
		return nil, false
	}
	return e.terminals, true
}

func (c *deviceCache) put(tenantID, connID int64, ts []link.Terminal) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		for id, e := range c.m {
			if now.After(e.until) {
				delete(c.m, id)
			}
		}
		// Still full of live entries: start afresh rather than grow.
		if len(c.m) >= c.size {
			clear(c.m)
		}
	}
	c.m[connID] = cachedDevices{tenantID: tenantID, terminals: ts, until: now.Add(c.ttl)}
}

func (c *deviceCache) drop(connID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, connID)
}
