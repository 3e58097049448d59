package i18n

// The Ubiregi link's messages (Ubiregi連携設定).
var jaUbiregi = map[string]string{}

var enUbiregi = map[string]string{}
