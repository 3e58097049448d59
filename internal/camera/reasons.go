package camera

// Provider names the camera cloud in a *pos.Error.
const Provider = "camera"

// The camera's own situations are reasons within pos's classes rather
// than classes of their own: the class alone still tells a caller what to
// do (stop for a moment with nothing recorded, try a recent one later),
// and the classes stay the few every provider shares. A caller that shows
// or stores the situation tells it apart with pos.HasReason.
const (
	// ReasonNoRecording (class pos.NotFound): the camera recorded nothing
	// at that moment (offline, switched off at night, a power cut, before
	// it began recording), or has never sent a picture. Final for a past
	// moment.
	ReasonNoRecording = "no_recording"
	// ReasonNotYetAvailable (class pos.Unavailable): the moment is too
	// recent for its recording to be read (MediaDelay). Try again after
	// Error.RetryAfter.
	ReasonNotYetAvailable = "not_yet_available"
)
