package i18n

// The dashboard's picture: the camera's live picture, the frame of a
// transaction's second shown in its place, and the timeline's readout.
var jaPicture = map[string]string{
	"dash.picture_live":      "ライブ（ページを開いた時点の映像）",
	"dash.picture_live_auto": "ライブ（10秒ごとに更新）",
	"dash.picture_live_alt":  "%s のライブ映像",
	"dash.picture_to_live":   "ライブに戻る",
	"dash.thumb_open":        "%s の映像を大きく表示",
	"dash.timeline_hint":     "帯の印をクリックすると、その時刻までの一覧とその瞬間の映像を表示します。",
	// A row's still, when there is no picture to show.
	"dash.still.pending":      "映像を取得中です（録画は約1分後から取得できます）",
	"dash.still.no_recording": "この時刻の録画はありません",
	"dash.still.unreachable":  "カメラクラウドに接続できません（自動で再試行します）",
	"dash.still.evicted":      "映像は保存されていません",
}

var enPicture = map[string]string{
	"dash.picture_live":      "Live (as the page was opened)",
	"dash.picture_live_auto": "Live (refreshed every 10 seconds)",
	"dash.picture_live_alt":  "Live picture of %s",
	"dash.picture_to_live":   "Back to live",
	"dash.thumb_open":        "Show the picture at %s",
	"dash.timeline_hint":     "Click a mark on the strip to list the transactions up to that time with the picture of that second.",
	// A row's still, when there is no picture to show.
	"dash.still.pending":      "Fetching the picture (recordings can be read about a minute later)",
	"dash.still.no_recording": "No recording at that second",
	"dash.still.unreachable":  "The camera cloud cannot be reached (retrying on its own)",
	"dash.still.evicted":      "The picture was not kept",
}
