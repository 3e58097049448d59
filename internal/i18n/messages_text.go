package i18n

// Messages of text checked where it enters (package textcheck).
var jaText = map[string]string{
	"err.text_bidi":     "文字の表示方向を変える制御文字は使用できません。",
	"err.text_too_long": "入力が長すぎます。",
	"err.bad_input":     "送信された値に使用できない文字が含まれているか、長すぎます。入力を確認してください。",
}

var enText = map[string]string{
	"err.text_bidi":     "Invisible text-direction control characters are not allowed.",
	"err.text_too_long": "Too long.",
	"err.bad_input":     "A value sent contains characters that are not allowed or is too long. Please check your input.",
}
