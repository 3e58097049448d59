package camera

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class is what a failed call means for its caller, in the shape of
// pos.Class: the code calling the camera cloud decides from the class
// alone (try again later, show "no recording", tell support).
type Class int

// The classes of failure. The zero Class is an error that is none of the
// camera cloud's (see ClassOf).
const (
	// Unavailable: no answer (connection refused or cut, no answer within
	// the time limit) or a 5xx. Try again later.
	Unavailable Class = iota + 1
	// RateLimited: 429. Try again after Error.RetryAfter.
	RateLimited
	// CredentialsRefused: the API key is missing, wrong or revoked (401,
	// 403). Trying again changes nothing until the setting is fixed.
	CredentialsRefused
	// NotFound: the device is not there, or not linked to the API key.
	NotFound
	// Malformed: the answer was not what the API sends (not JSON or not a
	// JPEG, the wrong shape, too large, a status it does not use).
	Malformed
	// NoRecording: the camera recorded nothing at that moment (offline,
	// switched off at night, a power cut, before it began recording), or
	// has never sent a picture. Final for a past moment.
	NoRecording
	// NotYetAvailable: the moment is too recent for its recording to be
	// read (MediaDelay). Try again after Error.RetryAfter.
	NotYetAvailable
)

var classNames = map[Class]string{
	Unavailable: "unavailable", RateLimited: "rate limited", CredentialsRefused: "API key refused",
	NotFound: "device not found", Malformed: "unexpected answer", NoRecording: "no recording",
	NotYetAvailable: "recording not available yet",
}

func (c Class) String() string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return "not a camera cloud failure"
}

// Error is a failed call to the camera cloud. It never holds the API key:
// the key travels in a header only, and no body is kept beyond a short
// explanation.
type Error struct {
	// Op names the call: "devices", "still", "thumbnail", "recordings".
	Op string
	// DeviceID is the device the call named, empty for the device list.
	DeviceID string
	// Status is the HTTP status, 0 when there was no answer (or no call).
	Status int
	Class  Class
	// RetryAfter is the wait asked for (RateLimited) or until the
	// recording can be read (NotYetAvailable).
	RetryAfter time.Duration
	// Waited is the time limit a call gave up after, when it timed out.
	Waited time.Duration
	// Detail is the camera cloud's explanation, shortened, for logs.
	Detail string
	// Err is the cause of a failure to get an answer (for errors.Is with
	// context.DeadlineExceeded), else nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "camera cloud %s", e.Op)
	if e.DeviceID != "" {
		fmt.Fprintf(&b, " of %s", e.DeviceID)
	}
	fmt.Fprintf(&b, ": %v", e.Class)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " retry after %v", e.RetryAfter)
	}
	if e.Waited > 0 {
		fmt.Fprintf(&b, " no answer within %v", e.Waited)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error within err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ClassOf is the class of err; zero when err is not a camera cloud failure
// (nil, or a caller's mistake such as an empty device ID).
func ClassOf(err error) Class {
	if e, ok := AsError(err); ok {
		return e.Class
	}
	return 0
}

// RetryAfter is how long to wait before asking again, zero when nothing
// was said.
func RetryAfter(err error) time.Duration {
	if e, ok := AsError(err); ok {
		return e.RetryAfter
	}
	return 0
}
