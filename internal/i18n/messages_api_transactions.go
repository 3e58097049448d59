package i18n

// The viewer JSON API's transactions: their parameters and the states of
// a transaction's still when there is no picture to send.
var jaAPITransactions = map[string]string{
	"api.err.time":               "日時（from / to）は RFC 3339 の形式で、タイムゾーン付きで指定してください（例：2026-11-23T10:00:00+09:00）。",
	"api.err.still_pending":      "この会計のサムネイルはまだ取得していません（映像はその時刻の約1分後から取得できます）。しばらくしてから再度お試しください。",
	"api.err.still_unreachable":  "カメラクラウドに接続できないため、この会計のサムネイルを取得できていません。しばらくしてから再度お試しください。",
	"api.err.still_no_recording": "この会計の時刻には、カメラの録画がありません。",
	"api.err.still_evicted":      "この会計のサムネイルは保存されていません（支払いのサムネイルは一定期間・一定量だけ保存されます）。",
	"api.err.still_no_camera":    "この会計のレジは、その時刻にどのカメラにも紐付いていませんでした。",
}

var enAPITransactions = map[string]string{
	"api.err.time":               "Give the time (from / to) in RFC 3339 with the zone (e.g. 2026-11-23T10:00:00+09:00).",
	"api.err.still_pending":      "The still of this transaction has not been fetched yet (the recording can be read about a minute after that time). Try again shortly.",
	"api.err.still_unreachable":  "The still of this transaction could not be fetched: the camera cloud cannot be reached. Try again later.",
	"api.err.still_no_recording": "The camera recorded nothing at the time of this transaction.",
	"api.err.still_evicted":      "The still of this transaction is not kept (stills of payments are kept for a limited time and amount).",
	"api.err.still_no_camera":    "The register of this transaction was bound to no camera at that time.",
}
