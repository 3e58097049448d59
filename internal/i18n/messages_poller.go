package i18n

// The transaction poller's words, as the link pages show a connection's
// polling (poller.ConnStatus).
var jaPoller = map[string]string{
	"poll.state.active":          "有効",
	"poll.state.reauth_required": "要再認証",
	"poll.state.update_required": "要更新",
	"poll.state.error":           "エラー",
	"poll.err.internal":          "取引の取得中にシステムの内部でエラーが発生しました。自動で再試行します。解決しない場合はサポートセンターにお問い合わせください。",
}

var enPoller = map[string]string{
	"poll.state.active":          "Active",
	"poll.state.reauth_required": "Re-authorization required",
	"poll.state.update_required": "Update required",
	"poll.state.error":           "Error",
	"poll.err.internal":          "An internal error occurred while fetching transactions. It is retried automatically; if it persists, contact the support center.",
}
