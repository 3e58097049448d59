package i18n

// Messages of the link rules shared by both POS providers (package link).
var jaLink = map[string]string{
	"err.link_too_many_terminals": "一度に削除できる連携設定は%d件までです。選択を減らして、もう一度お試しください。",
}

var enLink = map[string]string{
	"err.link_too_many_terminals": "At most %d links can be deleted at once. Tick fewer and try again.",
}
