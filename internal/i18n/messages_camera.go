package i18n

// What the owner is told when a call to the camera cloud fails
// (link.ProviderError): named as the camera cloud, never as a POS.
var jaCamera = map[string]string{
	"camera.err.unavailable":      "カメラクラウドに接続できませんでした。時間をおいて再度お試しください。",
	"camera.err.rate_limited":     "カメラクラウドへのリクエストが集中しています。%d秒ほど待ってから、もう一度お試しください。",
	"camera.err.key_refused":      "カメラクラウドがポータルのAPIキーを受け付けないため、カメラの映像を取得できません。サポートセンターにお問い合わせください。",
	"camera.err.device_not_found": "このカメラがカメラクラウドに見つかりません。サポートセンターにお問い合わせください。",
	"camera.err.no_recording":     "この時刻には、カメラの録画がありません。",
	"camera.err.not_yet":          "この時刻の録画はまだカメラクラウドで読み込めません。%d秒ほど待ってから、もう一度お試しください。",
	"camera.err.malformed":        "カメラクラウドから想定外の応答がありました。時間をおいて再度お試しください。解決しない場合はサポートセンターにお問い合わせください。",
}

var enCamera = map[string]string{
	"camera.err.unavailable":      "Could not connect to the camera cloud. Please try again later.",
	"camera.err.rate_limited":     "Too many requests to the camera cloud. Wait about %d seconds and try again.",
	"camera.err.key_refused":      "The camera cloud refuses the portal's API key, so the camera's pictures cannot be read. Please contact the support center.",
	"camera.err.device_not_found": "The camera cloud does not know this camera. Please contact the support center.",
	"camera.err.no_recording":     "The camera recorded nothing at that moment.",
	"camera.err.not_yet":          "The camera cloud cannot read the recording of that moment yet. Wait about %d seconds and try again.",
	"camera.err.malformed":        "The camera cloud gave an unexpected answer. Please try again later; if it persists, contact the support center.",
}
