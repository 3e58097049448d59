package camcloud

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of the control API, so that callers (and the admin endpoints)
// can tell a bad request from a missing or clashing thing.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Device is one camera of the simulated cloud, as the control API sets it
// up. The API shows ID, Serial, Name (setting.name), Model
// (model.description) and whether it streams now (status.video_streaming).
type Device struct {
	ID     string `json:"device_id"`
	Serial string `json:"serial,omitempty"` // drawn from the seed when empty
	Name   string `json:"name"`
	Model  string `json:"model,omitempty"` // "One (SF-1)" when empty
	// Items are the IDs of the options (サービスアイテム) set on the device:
	// GET /v2/devices?item_id=N lists only the devices that have N.
	Items []int `json:"items,omitempty"`
	// RecordingSince is when the camera began recording: it has no frame
	// before. Zero means it has recorded since ever.
	RecordingSince time.Time `json:"recording_since"`
	// Gaps are spans in which the camera was offline and recorded nothing.
	Gaps []Gap `json:"gaps,omitempty"`
	// Night says whether the camera records while the shop is closed:
	// NightRecord, NightOffline (switched off with the lights, from 30
	// minutes after closing to 30 minutes before opening), or empty to
	// draw it from the seed (a third of the shops switch it off).
	Night string `json:"night,omitempty"`
}

// The values of Device.Night.
const (
	NightRecord  = "record"
	NightOffline = "offline"
)

// Gap is a span of time [From, To) without recording.
type Gap struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Range is a block of synthetic cameras for benchmarks: Count devices with
// IDs Prefix followed by a zero-padded index (at least six digits), whose
// names, serials and models are computed from the seed when asked for, so
// that 100,000 of them cost no more memory than one.
type Range struct {
	Prefix         string    `json:"prefix"`
	Count          int       `json:"count"`
	RecordingSince time.Time `json:"recording_since"`
	Items          []int     `json:"items,omitempty"`
}

// Key is an API key, as a Safie "APIキー認証アプリケーション": the devices and
// synthetic ranges (by prefix) that the application is linked to.
type Key struct {
	Key     string   `json:"key"` // drawn from the seed when empty
	Devices []string `json:"devices,omitempty"`
	Ranges  []string `json:"ranges,omitempty"`
}

// deviceIDPattern is what the portal accepts as a camera-cloud device ID.
var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// maxRange bounds a range: a million cameras is ten times the scale poslink
// is built for, and keeps the index's width and arithmetic small.
const maxRange = 1_000_000

// models are the model descriptions a synthetic camera draws from, the
// first being the default. "One (SF-1)" is in the public device-list
// example; the others are the models the demo's cameras carry.
var models = []string{"One (SF-1)", "CC-2L_SF", "CC-2_SF"}

func (d *Device) validate() error {
	if !deviceIDPattern.MatchString(d.ID) {
		return fmt.Errorf("%w: device_id %q must match %s", ErrInvalid, d.ID, deviceIDPattern)
	}
	if !utf8.ValidString(d.Name) || len(d.Name) > 256 {
		return fmt.Errorf("%w: name must be valid UTF-8 of at most 256 bytes", ErrInvalid)
	}
	for _, g := range d.Gaps {
		if err := g.validate(); err != nil {
			return err
		}
	}
	if d.Night != "" && d.Night != NightRecord && d.Night != NightOffline {
		return fmt.Errorf("%w: night must be %q, %q or empty (drawn from the seed)", ErrInvalid, NightRecord, NightOffline)
	}
	return nil
}

func (g Gap) validate() error {
	if !g.To.After(g.From) {
		return fmt.Errorf("%w: gap from %s must end after it starts", ErrInvalid, g.From.Format(time.RFC3339))
	}
	return nil
}

func (r *Range) validate() error {
	if r.Count < 1 || r.Count > maxRange {
		return fmt.Errorf("%w: count must be within 1–%d", ErrInvalid, maxRange)
	}
	if !deviceIDPattern.MatchString(r.Prefix + r.index(r.Count-1)) {
		return fmt.Errorf("%w: prefix %q does not make device IDs matching %s", ErrInvalid, r.Prefix, deviceIDPattern)
	}
	return nil
}

// width is how many digits the range's indexes have.
func (r *Range) width() int { return max(6, len(strconv.Itoa(r.Count-1))) }

// index formats the i-th device's suffix.
func (r *Range) index(i int) string {
	s := strconv.Itoa(i)
	return strings.Repeat("0", max(0, r.width()-len(s))) + s
}

// find returns the index of the device id in the range, if it is one.
func (r *Range) find(id string) (int, bool) {
	if len(id) != len(r.Prefix)+r.width() || id[:len(r.Prefix)] != r.Prefix {
		return 0, false
	}
	i := 0
	for _, c := range id[len(r.Prefix):] {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, i < r.Count
}

// Synthetic cameras are named after a shop and a place in it.
var (
	shopNames  = []string{"渋谷店", "新宿店", "池袋店", "梅田店", "難波店", "博多店", "札幌店", "仙台店", "名古屋店", "横浜店", "神戸店", "京都店"}
	placeNames = []string{"レジ前カメラ", "入口カメラ", "バックヤードカメラ", "売場カメラ", "客席カメラ"}
)

// device computes the i-th synthetic camera of the range.
func (r *Range) device(seed uint64, i int) Device {
	id := r.Prefix + r.index(i)
	h := hashString(id)
	return Device{
		ID:             id,
		Serial:         serialFor(seed, id),
		Name:           fmt.Sprintf("%s%d %s", shopNames[pick(draw(seed, h, pName), len(shopNames))], 1+i/len(placeNames), placeNames[i%len(placeNames)]),
		Model:          models[pick(draw(seed, h, pModel), len(models))],
		Items:          r.Items,
		RecordingSince: r.RecordingSince,
	}
}

// serialFor draws a serial number for a device that has none.
// ASSUMPTION: Safie's serial format is not public (the only example is
// redacted); the simulator uses 12 upper-case letters and digits.
func serialFor(seed uint64, id string) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	h := draw(seed, hashString(id), pSerial)
	b := make([]byte, 12)
	for i := range b {
		b[i] = alphabet[h%uint64(len(alphabet))]
		h /= uint64(len(alphabet))
		if h == 0 {
			h = draw(seed, hashString(id), pSerial, uint64(i))
		}
	}
	return string(b)
}
