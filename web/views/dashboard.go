package views

// DashboardView is a camera's dashboard: the picture and the timeline on
// the left, the list of its transactions on the right.
type DashboardView struct {
	Camera CameraRow
	// Staff reads it from the support console (read only).
	Staff bool
	// Back is the page the dashboard is reached from.
	Back string
	// Path is the dashboard's path, which the filter form is sent to.
	Path string
	// Filter is the filter's parameters as typed and the messages of the
	// refused ones; Refused: nothing is listed.
	Filter  Form
	Refused bool
	// Kinds are the kind filter's links, Ranges the timeline's.
	Kinds  []DashLink
	Ranges []DashLink
	// RangeText says which range the timeline and list show.
	RangeText string
	// Timeline is the strip of marks; AxisFrom and AxisTo its ends.
	Timeline         []DashMark
	AxisFrom, AxisTo string
	// Strip is what static/dashboard.js needs to tell the time under the
	// pointer on the strip and to list the transactions up to it.
	Strip DashStrip
	// Picture is the live picture or a transaction's frame; LiveURL is
	// the camera's live picture, which static/dashboard.js refreshes and
	// returns to.
	Picture *DashPicture
	LiveURL string
	Rows    []DashRow
	// Newer and Older page the list; Newest goes back to its start.
	Newer, Older, Newest string
	// States are the situations the page explains in words.
	States []DashState
	CSV    string
	// LiveSrc, when set, is the stream of the camera's new transactions
	// (server-sent events) that static/live.js puts at the list's top: on
	// the owner's newest page with nothing filtered. StillBase is what a
	// row's still URL starts with.
	LiveSrc, StillBase string
}

// DashLink is a link of the filters; Current marks the one in use.
type DashLink struct {
	Label, URL string
	// Value is the parameter's value the link sets.
	Value   string
	Current bool
}

// DashMark is a mark of the timeline: X and Width in thousandths of the
// strip, Row the kind's lane (0–3).
type DashMark struct {
	X, Width, Row int
	Kind          string
	Title, URL    string
}

// DashPicture is the camera's live picture (Live) or its frame at a
// transaction's second.
type DashPicture struct {
	URL, Alt, Caption string
	Live              bool
}

// DashStrip is the timeline's range for static/dashboard.js: From and To
// in RFC 3339, Offset the operator's zone's offset in seconds (the axis'
// times are written in it), AtURL the dashboard's URL with the filters to
// which at= is added.
type DashStrip struct {
	From, To string
	Offset   int
	AtURL    string
}

// DashRow is a transaction in the list.
type DashRow struct {
	ID                     int64
	Time                   string
	Kind, KindLabel        string
	Total, Deposit, Change string
	ReceiptNo, Terminal    string
	Staff                  string
	StillURL, StillAlt     string
	// StillState is the still's state (ready, pending, no_recording,
	// unreachable, evicted); StillNote says in words why there is no
	// picture, empty when there is one.
	StillState, StillNote string
	// AtURL is the dashboard at the transaction's second: its frame in
	// the picture, without script.
	AtURL, AtLabel string
	// Revisions are shown for 修正 and 削除 rows (and any that changed).
	Revisions   []DashRevision
	HasChanges  bool
	NoRevisions string
}

// DashRevision is one change of a transaction, before → after.
type DashRevision struct {
	Title   string
	Changes []DashChange
}

// DashChange is one field's change.
type DashChange struct {
	Field, Before, After string
}

// DashState is a situation in words, with a link to act on it.
type DashState struct {
	// Kind is "info" or "error".
	Kind, Text string
	LinkText   string
	LinkURL    string
}

// DashStillURL is the frame of a transaction, served by the portal.
func DashStillURL(base string, txnID int64) string {
	return base + "/transactions/" + itoa(txnID) + "/still"
}

// LivePictureURL is a camera's live picture, served by the portal, under
// base (CameraURL or SupportCameraURL).
func LivePictureURL(base string) string { return base + "/live.jpg" }

// DashboardURL is a camera's dashboard under base (CameraURL or
// SupportCameraURL).
func DashboardURL(base string) string { return base + "/dashboard" }
