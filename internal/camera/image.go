package camera

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// Image is a picture from the camera cloud.
//
// The API has no documented parameter for the size of a picture, so the
// client asks for none and gets the cloud's own (the simulator's is
// 640×360, a few tens of KB); making the small stills of a thumbnail
// cache is the caller's work.
type Image struct {
	Data        []byte
	ContentType string
}

// MediaDelay is how long after a moment its recording can be read: the
// official client refuses a /media range ending less than a minute ago
// (shared/pos-apis.md §3). A still at a moment is cut from that recording.
const MediaDelay = time.Minute

// notYetGrace: a 404 for a still this much past MediaDelay is still taken
// for "not yet" rather than "no recording", as poslink's clock and the
// camera cloud's differ and the cloud's delay is "about" a minute.
const notYetGrace = 2 * time.Minute

// notYetRetry is how long to wait when the cloud said "not yet" although
// poslink's clock says the recording should be there.
const notYetRetry = 15 * time.Second

// jst is the zone the client writes times in: the API wants a zone on
// every time, and Japan's has no daylight saving.
var jst = time.FixedZone("JST", 9*3600)

// Still is the picture the camera recorded at the moment at.
//
// A moment less than MediaDelay ago is ReasonNotYetAvailable without a
// call (RetryAfter says until when). Where nothing was recorded the answer
// is ReasonNoRecording, except within notYetGrace of MediaDelay, where it
// is ReasonNotYetAvailable.
//
// ASSUMPTION (shared/pos-apis.md §5 #20): the cloud answers 404 for a
// moment outside its recordings, and for one whose recording it has not
// received yet.
func (c *Client) Still(ctx context.Context, deviceID string, at time.Time) (Image, error) {
	k := call{op: "still", deviceID: deviceID}
	path, err := devicePath(deviceID, "image")
	if err != nil {
		return Image{}, err
	}
	now := c.now()
	if ready := at.Add(MediaDelay); ready.After(now) {
		return Image{}, notYet(k.fail(0, pos.Unavailable, ""), ceilSecond(ready.Sub(now)))
	}
	a, err := c.get(ctx, k, path, url.Values{"timestamp": {at.In(jst).Format(time.RFC3339Nano)}}, maxImage)
	if err != nil {
		return Image{}, err
	}
	if a.status != http.StatusOK {
		e := c.statusError(k, a, ReasonNoRecording)
		if sure := at.Add(MediaDelay + notYetGrace); e.Reason == ReasonNoRecording && sure.After(now) {
			e = notYet(e, min(notYetRetry, ceilSecond(sure.Sub(now))))
		}
		return Image{}, e
	}
	return readImage(k, a)
}

// Thumbnail is the camera's newest picture: the live one while it is
// connected, else the last it sent. A camera that never sent one is
// ReasonNoRecording.
func (c *Client) Thumbnail(ctx context.Context, deviceID string) (Image, error) {
	k := call{op: "thumbnail", deviceID: deviceID}
	path, err := devicePath(deviceID, "thumbnail")
	if err != nil {
		return Image{}, err
	}
	a, err := c.get(ctx, k, path, nil, maxImage)
	if err != nil {
		return Image{}, err
	}
	if a.status != http.StatusOK {
		return Image{}, c.statusError(k, a, ReasonNoRecording)
	}
	return readImage(k, a)
}

// readImage checks that a 200 answer is a whole JPEG: its type, its
// start-of-image marker and its end-of-image marker, so that a cut or
// garbled picture is never kept as evidence.
func readImage(k call, a answer) (Image, error) {
	ct := a.header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "image/jpeg" {
		return Image{}, k.fail(a.status, pos.Malformed, "not a JPEG: Content-Type "+ct)
	}
	if !bytes.HasPrefix(a.body, []byte{0xff, 0xd8, 0xff}) || !bytes.HasSuffix(a.body, []byte{0xff, 0xd9}) {
		return Image{}, k.fail(a.status, pos.Malformed, "not a whole JPEG")
	}
	return Image{Data: a.body, ContentType: "image/jpeg"}, nil
}

// notYet makes e the "not yet": Unavailable with ReasonNotYetAvailable,
// to be asked again after wait.
func notYet(e *pos.Error, wait time.Duration) *pos.Error {
	e.Class, e.Reason, e.RetryAfter = pos.Unavailable, ReasonNotYetAvailable, wait
	return e
}

// ceilSecond rounds d up to whole seconds, at least one.
func ceilSecond(d time.Duration) time.Duration {
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second))
}
