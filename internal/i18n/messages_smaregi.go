package i18n

// The Smaregi link's messages (スマレジ連携設定).
var jaSmaregi = map[string]string{}

var enSmaregi = map[string]string{}
