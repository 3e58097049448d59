// Package livepicture keeps each camera's live picture (the camera
// cloud's thumbnail) for a few seconds, so that however many people look
// at a camera, an instance asks the cloud for its picture at most once a
// TTL. It knows nothing of HTTP or the database and starts no goroutine:
// the viewer whose request finds the picture too old fetches it, the
// others meanwhile get the previous picture or wait for that one call.
package livepicture

import (
	"bytes"
	"context"
	"image/jpeg"
	"log/slog"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/imagefit"
	"github.com/poslink/poslink/internal/pos"
)

// Source is where the pictures come from: *camera.Client.
type Source interface {
	Thumbnail(ctx context.Context, deviceID string) (camera.Image, error)
}

// State is what a Picture holds.
type State string

// The states of a picture. Every state but Ready comes without an image:
// the page shows a placeholder naming it.
const (
	// Ready: Image is the camera's newest picture.
	Ready State = "ready"
	// NoPicture: the camera has never sent a picture.
	NoPicture State = "no_picture"
	// NoDevice: the camera cloud does not know the device under the
	// portal's API key.
	NoDevice State = "no_device"
	// Refused: the portal's API key is missing, wrong or revoked.
	Refused State = "refused"
	// Unreachable: the camera cloud did not answer, failed, limited the
	// rate or sent something that is not a picture.
	Unreachable State = "unreachable"
)

// Picture is a camera's live picture as last read.
type Picture struct {
	State State
	// Image is a JPEG at most Config.Width×Height (Ready only); ETag
	// names it.
	Image []byte
	ETag  string
	// Taken is when it was read from the camera cloud.
	Taken time.Time
}

// Config is how a Cache keeps pictures. Zero fields take the defaults.
type Config struct {
	// TTL is how long a picture (or a failure) is served before the
	// camera cloud is asked again.
	TTL time.Duration
	// MaxEntries bounds the cameras kept; the one read longest ago goes
	// first.
	MaxEntries int
	// Width and Height bound the picture kept: the size the page shows.
	Width, Height int
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultTTL        = 10 * time.Second
	DefaultMaxEntries = 1000
	DefaultWidth      = 640
	DefaultHeight     = 360
)

// maxRetryAfter bounds how long a rate-limited camera cloud's Retry-After
// holds a failure: the page retries soon after anyway.
const maxRetryAfter = time.Minute

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = DefaultWidth, DefaultHeight
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Cache holds the live pictures of the cameras looked at, by device ID.
// It is safe for concurrent use.
type Cache struct {
	src Source
	cfg Config

	mu      sync.Mutex
	entries map[string]*entry
}

// entry is a device's picture. While a fetch is in flight, fetching is
// open; it is closed once pic holds the fetch's outcome.
type entry struct {
	pic      Picture
	expires  time.Time
	fetching chan struct{}
}

// New returns an empty cache reading src.
func New(src Source, cfg Config) *Cache {
	return &Cache{src: src, cfg: cfg.withDefaults(), entries: map[string]*entry{}}
}

// Get is the device's live picture: the one kept when it is younger than
// the TTL; else, while another request fetches it, the previous one (or,
// when there is none yet, that fetch's outcome); else this request reads
// the camera cloud. A failure of the cloud is a Picture of its state, not
// an error: the error is ctx's, when it ends while waiting.
func (c *Cache) Get(ctx context.Context, deviceID string) (Picture, error) {
	c.mu.Lock()
	e, kept := c.entries[deviceID]
	switch {
	case !kept:
		e = &entry{}
		c.entries[deviceID] = e
	case e.fetching != nil && e.pic.State != "":
		pic := e.pic
		c.mu.Unlock()
		return pic, nil
	case e.fetching != nil:
		done := e.fetching
		c.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return Picture{}, ctx.Err()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return e.pic, nil
	case c.cfg.Now().Before(e.expires):
		pic := e.pic
		c.mu.Unlock()
		return pic, nil
	}
	done := make(chan struct{})
	e.fetching = done
	if !kept {
		c.evict()
	}
	c.mu.Unlock()

	// The call outlives this viewer's request, should it go: others may
	// be waiting for it. The client bounds it with its own time limit.
	pic, hold := c.fetch(context.WithoutCancel(ctx), deviceID)

	c.mu.Lock()
	defer c.mu.Unlock()
	e.pic, e.expires, e.fetching = pic, pic.Taken.Add(hold), nil
	close(done)
	return pic, nil
}

// evict drops the entries read longest ago while there are too many;
// those being fetched stay (their waiters hold them), so the bound may be
// passed by the fetches in flight. Called with mu held.
func (c *Cache) evict() {
	for len(c.entries) > c.cfg.MaxEntries {
		var oldest string
		var at time.Time
		for id, e := range c.entries {
			if e.fetching == nil && (oldest == "" || e.expires.Before(at)) {
				oldest, at = id, e.expires
			}
		}
		if oldest == "" {
			return
		}
		delete(c.entries, oldest)
	}
}

// fetch reads the device's picture from the camera cloud, and says how
// long its outcome holds.
func (c *Cache) fetch(ctx context.Context, deviceID string) (Picture, time.Duration) {
	img, err := c.src.Thumbnail(ctx, deviceID)
	taken := c.cfg.Now()
	var small []byte
	if err == nil {
		small, err = c.fit(img.Data)
	}
	if err != nil {
		state, hold := c.failure(deviceID, err)
		return Picture{State: state, Taken: taken}, hold
	}
	return Picture{State: Ready, Image: small, ETag: imagefit.ETag(small), Taken: taken}, c.cfg.TTL
}

// fit makes the picture at most Width×Height; one that fits already is
// kept as the cloud sent it (a whole JPEG, as the client checked).
func (c *Cache) fit(data []byte) ([]byte, error) {
	size, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if size.Width <= c.cfg.Width && size.Height <= c.cfg.Height {
		return data, nil
	}
	return imagefit.Shrink(data, c.cfg.Width, c.cfg.Height)
}

// failure is the state a failed read leaves, and how long it holds: a
// TTL, or as long as a rate-limiting cloud asks (up to maxRetryAfter).
func (c *Cache) failure(deviceID string, err error) (State, time.Duration) {
	hold := c.cfg.TTL
	state := Unreachable
	switch {
	case pos.HasReason(err, camera.ReasonNoRecording):
		state = NoPicture
	case pos.ClassOf(err) == pos.NotFound:
		state = NoDevice
	case pos.ClassOf(err) == pos.CredentialsRefused:
		state = Refused
	case pos.ClassOf(err) == pos.RateLimited:
		hold = max(hold, min(pos.RetryAfter(err), maxRetryAfter))
	}
	level := slog.LevelDebug
	if c := pos.ClassOf(err); c == 0 || c == pos.Malformed {
		// Not the cloud's usual failures: a picture it sent that cannot
		// be read.
		level = slog.LevelWarn
	}
	c.cfg.Logger.Log(context.Background(), level, "live picture not read", "device_id", deviceID, "state", string(state), "err", err)
	return state, hold
}
