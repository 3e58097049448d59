package stills

// State is where a transaction's still stands, as pages show it.
type State string

// The states of a still (transaction_stills.state).
const (
	// Pending: not fetched yet, or the camera cloud has not the recording
	// yet (it makes media readable about a minute after the moment).
	Pending State = "pending"
	// Ready: the picture is stored.
	Ready State = "ready"
	// NoRecording: the camera recorded nothing at that second (offline,
	// off at night, a power cut). Final.
	NoRecording State = "no_recording"
	// Unreachable: the camera cloud failed several times in a row, or
	// refused the portal's key; tried again later.
	Unreachable State = "unreachable"
	// Evicted: a payment's picture is not kept (dropped from the bounded
	// cache, or sold before the payment window).
	Evicted State = "evicted"
)
