package camera

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/poslink/poslink/internal/pos"
)

// Device is a camera the API key may read.
type Device struct {
	ID     string
	Serial string
	// Name is the name its owner gave it (setting.name).
	Name string
	// Model is model.description, e.g. "One (SF-1)".
	Model string
	// Streaming is status.video_streaming: connected now.
	Streaming bool
}

// DevicePage is one page of the device list.
type DevicePage struct {
	Devices []Device
	// Total is how many devices the key may read; Offset is this page's.
	Total, Offset int
	// HasNext says a later page exists (ask from Offset+len(Devices)).
	HasNext bool
}

// MaxPageSize is the largest page asked for: the official client pages
// with limit=100.
const MaxPageSize = 100

// maxDevices bounds AllDevices: a key linked to more cameras than this is
// not one of poslink's tenants.
const maxDevices = 100_000

// deviceList is GET /v2/devices: {"total","offset","count","has_next","list"}.
type deviceList struct {
	Total   *int  `json:"total"`
	Offset  *int  `json:"offset"`
	Count   *int  `json:"count"`
	HasNext *bool `json:"has_next"`
	List    []struct {
		DeviceID string `json:"device_id"`
		Serial   string `json:"serial"`
		Setting  struct {
			Name string `json:"name"`
		} `json:"setting"`
		Model struct {
			Description string `json:"description"`
		} `json:"model"`
		Status struct {
			VideoStreaming bool `json:"video_streaming"`
		} `json:"status"`
	} `json:"list"`
}

// Devices reads one page of the devices the key may read: limit devices
// (1–MaxPageSize) from offset on.
func (c *Client) Devices(ctx context.Context, offset, limit int) (DevicePage, error) {
	if offset < 0 || limit < 1 || limit > MaxPageSize {
		return DevicePage{}, fmt.Errorf("camera: devices page offset %d limit %d out of range", offset, limit)
	}
	k := call{op: "devices"}
	a, err := c.get(ctx, k, "/v2/devices", url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}, maxJSON)
	if err != nil {
		return DevicePage{}, err
	}
	if a.status != http.StatusOK {
		return DevicePage{}, c.statusError(k, a, "")
	}
	var l deviceList
	if !isJSON(a.header) {
		return DevicePage{}, k.fail(a.status, pos.Malformed, "not JSON: "+a.header.Get("Content-Type"))
	}
	if err := decodeJSON(a.body, &l); err != nil {
		return DevicePage{}, k.fail(a.status, pos.Malformed, err.Error())
	}
	if l.Total == nil || l.Offset == nil || l.Count == nil || l.HasNext == nil || l.List == nil {
		return DevicePage{}, k.fail(a.status, pos.Malformed, "device list without total, offset, count, has_next or list")
	}
	if *l.Count != len(l.List) || *l.Offset != offset || len(l.List) > limit || *l.Total < offset+len(l.List) {
		return DevicePage{}, k.fail(a.status, pos.Malformed, fmt.Sprintf("device list of %d at offset %d says count %d, offset %d, total %d",
			len(l.List), offset, *l.Count, *l.Offset, *l.Total))
	}
	p := DevicePage{Total: *l.Total, Offset: offset, HasNext: *l.HasNext, Devices: make([]Device, len(l.List))}
	for i, d := range l.List {
		if d.DeviceID == "" {
			return DevicePage{}, k.fail(a.status, pos.Malformed, "a device without device_id")
		}
		p.Devices[i] = Device{ID: d.DeviceID, Serial: d.Serial, Name: d.Setting.Name, Model: d.Model.Description,
			Streaming: d.Status.VideoStreaming}
	}
	return p, nil
}

// AllDevices reads every device the key may read, a page of MaxPageSize
// at a time.
func (c *Client) AllDevices(ctx context.Context) ([]Device, error) {
	var all []Device
	for {
		p, err := c.Devices(ctx, len(all), MaxPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Devices...)
		if !p.HasNext {
			return all, nil
		}
		if len(p.Devices) == 0 || len(all) >= maxDevices {
			return nil, (call{op: "devices"}).fail(http.StatusOK, pos.Malformed,
				fmt.Sprintf("device list goes on past %d devices (page of %d)", len(all), len(p.Devices)))
		}
	}
}
