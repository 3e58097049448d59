package camcloud

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// registry is what the control API has set up: devices, ranges and keys.
// Synthetic ranges hold only their parameters.
type registry struct {
	mu        sync.RWMutex
	devices   []Device // in the order first put: the order of the list
	byID      map[string]int
	ranges    []Range
	byPrefix  map[string]int
	keys      map[string]*apiKey
	generated uint64 // keys drawn from the seed so far
	// cuts are the power cuts injected per device ID (explicit or
	// synthetic): spans without recording on top of a device's own gaps.
	cuts map[string][]Gap
}

// apiKey is a key's links and whether it was revoked.
type apiKey struct {
	devices map[string]bool
	ranges  map[string]bool
	revoked bool
}

func newRegistry() *registry {
	return &registry{byID: map[string]int{}, byPrefix: map[string]int{}, keys: map[string]*apiKey{}, cuts: map[string][]Gap{}}
}

// PutDevice creates the device, or replaces the one with the same ID
// (keeping its place in the list and the keys linked to it). An empty
// serial is drawn from the seed and an empty model is "One (SF-1)".
func (s *Server) PutDevice(d Device) (Device, error) {
	if err := d.validate(); err != nil {
		return Device{}, err
	}
	if d.Serial == "" {
		d.Serial = serialFor(s.seed, d.ID)
	}
	if d.Model == "" {
		d.Model = models[0]
	}
	// Copy the slices so that the caller's later changes do not reach in.
	d.Items = slices.Clone(d.Items)
	d.Gaps = slices.Clone(d.Gaps)
	slices.SortFunc(d.Gaps, func(a, b Gap) int { return a.From.Compare(b.From) })

	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	for _, r := range reg.ranges {
		if _, ok := r.find(d.ID); ok {
			return Device{}, fmt.Errorf("%w: device_id %s belongs to the synthetic range %q", ErrConflict, d.ID, r.Prefix)
		}
	}
	if i, ok := reg.byID[d.ID]; ok {
		reg.devices[i] = d
	} else {
		reg.byID[d.ID] = len(reg.devices)
		reg.devices = append(reg.devices, d)
	}
	s.log.Info("camcloud: device put", "device_id", d.ID)
	return d, nil
}

// AddRange adds a block of synthetic devices. Its prefix may not be a
// prefix of another range's (or the reverse), nor cover a device put before,
// so that every device ID means one device.
func (s *Server) AddRange(r Range) (Range, error) {
	if err := r.validate(); err != nil {
		return Range{}, err
	}
	r.Items = slices.Clone(r.Items)
	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	for _, o := range reg.ranges {
		if strings.HasPrefix(o.Prefix, r.Prefix) || strings.HasPrefix(r.Prefix, o.Prefix) {
			return Range{}, fmt.Errorf("%w: prefix %q overlaps the range %q", ErrConflict, r.Prefix, o.Prefix)
		}
	}
	for _, d := range reg.devices {
		if _, ok := r.find(d.ID); ok {
			return Range{}, fmt.Errorf("%w: the range would cover the device %s", ErrConflict, d.ID)
		}
	}
	reg.byPrefix[r.Prefix] = len(reg.ranges)
	reg.ranges = append(reg.ranges, r)
	s.log.Info("camcloud: range added", "prefix", r.Prefix, "count", r.Count)
	return r, nil
}

// CreateKey issues an API key linked to the given devices and ranges, which
// must exist. An empty k.Key is drawn from the seed (32 hex digits).
func (s *Server) CreateKey(k Key) (Key, error) {
	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if k.Key == "" {
		for {
			reg.generated++
			k.Key = fmt.Sprintf("%016x%016x", draw(s.seed, pKey, reg.generated), draw(s.seed, pKey, reg.generated, 1))
			if reg.keys[k.Key] == nil {
				break
			}
		}
	}
	if err := validKey(k.Key); err != nil {
		return Key{}, err
	}
	if reg.keys[k.Key] != nil {
		return Key{}, fmt.Errorf("%w: the key exists already", ErrConflict)
	}
	ak := &apiKey{devices: map[string]bool{}, ranges: map[string]bool{}}
	if err := reg.link(ak, k); err != nil {
		return Key{}, err
	}
	reg.keys[k.Key] = ak
	s.log.Info("camcloud: key created", "devices", len(k.Devices), "ranges", len(k.Ranges))
	return reg.describe(k.Key, ak), nil
}

// Link links more devices and ranges to an existing key.
func (s *Server) Link(k Key) (Key, error) {
	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	ak := reg.keys[k.Key]
	if ak == nil {
		return Key{}, fmt.Errorf("%w: no such key", ErrNotFound)
	}
	if err := reg.link(ak, k); err != nil {
		return Key{}, err
	}
	return reg.describe(k.Key, ak), nil
}

// RevokeKey makes the key answer 401 from now on.
func (s *Server) RevokeKey(key string) error {
	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	ak := reg.keys[key]
	if ak == nil {
		return fmt.Errorf("%w: no such key", ErrNotFound)
	}
	ak.revoked = true
	s.log.Info("camcloud: key revoked")
	return nil
}

// PowerCut makes the device record nothing in [g.From, g.To), as if its
// power had been cut (or its line down), and returns all the device's
// power cuts in order. The device may be explicit or synthetic; a device
// put again keeps its power cuts.
func (s *Server) PowerCut(deviceID string, g Gap) ([]Gap, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	reg := s.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if _, ok := reg.byID[deviceID]; !ok && reg.rangeOf(deviceID) < 0 {
		return nil, fmt.Errorf("%w: no device %q", ErrNotFound, deviceID)
	}
	cuts := append(slices.Clone(reg.cuts[deviceID]), g)
	slices.SortFunc(cuts, func(a, b Gap) int { return a.From.Compare(b.From) })
	reg.cuts[deviceID] = cuts
	s.log.Info("camcloud: power cut", "device_id", deviceID, "from", g.From, "to", g.To)
	return slices.Clone(cuts), nil
}

// powerCuts are the device's power cuts; the slice is never changed in
// place (PowerCut replaces it), so it may be read after the lock is gone.
func (reg *registry) powerCuts(deviceID string) []Gap {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	return reg.cuts[deviceID]
}

// link adds k's devices and ranges to ak, all or none.
func (reg *registry) link(ak *apiKey, k Key) error {
	for _, id := range k.Devices {
		if _, ok := reg.byID[id]; !ok && reg.rangeOf(id) < 0 {
			return fmt.Errorf("%w: no device %q", ErrNotFound, id)
		}
	}
	for _, p := range k.Ranges {
		if _, ok := reg.byPrefix[p]; !ok {
			return fmt.Errorf("%w: no range %q", ErrNotFound, p)
		}
	}
	for _, id := range k.Devices {
		ak.devices[id] = true
	}
	for _, p := range k.Ranges {
		ak.ranges[p] = true
	}
	return nil
}

// describe lists a key's links in a stable order.
func (reg *registry) describe(key string, ak *apiKey) Key {
	out := Key{Key: key}
	for id := range ak.devices {
		out.Devices = append(out.Devices, id)
	}
	for p := range ak.ranges {
		out.Ranges = append(out.Ranges, p)
	}
	slices.Sort(out.Devices)
	slices.Sort(out.Ranges)
	return out
}

func validKey(k string) error {
	if len(k) > 128 {
		return fmt.Errorf("%w: a key has at most 128 characters", ErrInvalid)
	}
	for _, c := range k {
		if c <= ' ' || c > '~' {
			return fmt.Errorf("%w: a key is printable ASCII without spaces", ErrInvalid)
		}
	}
	return nil
}

// rangeOf returns the index of the range holding the device id, or -1.
func (reg *registry) rangeOf(id string) int {
	for i := range reg.ranges {
		if _, ok := reg.ranges[i].find(id); ok {
			return i
		}
	}
	return -1
}

// authorize returns the key's links if it is known and not revoked.
func (reg *registry) authorize(key string) (*apiKey, bool) {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	ak := reg.keys[key]
	if ak == nil || ak.revoked {
		return nil, false
	}
	return ak, true
}

// visible returns the device id if the key sees it: a device linked by ID
// (explicit or synthetic), or one of a linked range.
func (reg *registry) visible(seed uint64, ak *apiKey, id string) (Device, bool) {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	if i, ok := reg.byID[id]; ok {
		return reg.devices[i], ak.devices[id]
	}
	ri := reg.rangeOf(id)
	if ri < 0 {
		return Device{}, false
	}
	r := &reg.ranges[ri]
	if !ak.ranges[r.Prefix] && !ak.devices[id] {
		return Device{}, false
	}
	i, _ := r.find(id)
	return r.device(seed, i), true
}

// page returns the key's devices (with item, if not nil) in list order:
// how many there are and those in [offset, offset+limit). It walks the
// explicit devices and skips over whole ranges, so a page costs the same
// with 100,000 synthetic devices as with ten.
func (reg *registry) page(seed uint64, ak *apiKey, item *int, offset, limit int) (total int, list []Device) {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	want := func(items []int) bool { return item == nil || slices.Contains(items, *item) }
	take := func(d func() Device) {
		if total >= offset && len(list) < limit {
			list = append(list, d())
		}
		total++
	}
	for i := range reg.devices {
		d := &reg.devices[i]
		if ak.devices[d.ID] && want(d.Items) {
			take(func() Device { return *d })
		}
	}
	for ri := range reg.ranges {
		r := &reg.ranges[ri]
		if !want(r.Items) {
			continue
		}
		if ak.ranges[r.Prefix] {
			// The part of [total, total+Count) that falls in the page.
			from := max(offset-total, 0)
			to := min(r.Count, offset+limit-total)
			for i := from; i < to; i++ {
				list = append(list, r.device(seed, i))
			}
			total += r.Count
			continue
		}
		// Single devices of a range linked one by one, in index order.
		var idx []int
		for id := range ak.devices {
			if i, ok := r.find(id); ok {
				idx = append(idx, i)
			}
		}
		slices.SortFunc(idx, cmp.Compare)
		for _, i := range idx {
			take(func() Device { return r.device(seed, i) })
		}
	}
	return total, list
}
