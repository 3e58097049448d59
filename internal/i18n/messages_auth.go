package i18n

// Login's pause after repeated failures, with how long it lasts: in minutes
// up to an hour and a half, in hours beyond.
var jaAuth = map[string]string{
	"err.login_throttled":       "ログインの失敗が続いたため、一時的にログインを制限しています。%d分後にもう一度お試しください。",
	"err.login_throttled_hours": "ログインの失敗が続いたため、一時的にログインを制限しています。%d時間後にもう一度お試しください。",
}

var enAuth = map[string]string{
	"err.login_throttled":       "Too many failed logins: logging in is paused for now. Try again in %d minutes.",
	"err.login_throttled_hours": "Too many failed logins: logging in is paused for now. Try again in %d hours.",
}
