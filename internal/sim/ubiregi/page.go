package ubiregi

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// consentPage is what the consent page shows.
type consentPage struct {
	Client     Client
	RequestID  string
	LoggedInAs string // a logged-in user is not asked for a password
	Login      string // what was typed, shown again after a failed login
	Error      string
	Mobile     bool
}

// The pages copy the words of Ubiregi's consent screen as the operator
// manual shows it (seeds/003): the question, the two fields, 許可する /
// 許可しない, the note, and the app box (開発者, Webサイト, 説明). They are
// self-contained: no scripts, no external assets.
const pageStyle = `
*{box-sizing:border-box}
body{margin:0;background:#f2f4f5;color:#333;font-family:"Hiragino Kaku Gothic ProN","Hiragino Sans",Meiryo,sans-serif;font-size:14px}
header{background:#fff;border-bottom:1px solid #dde1e3;padding:14px 24px}
.logo{margin:0;font-size:24px;font-weight:bold;letter-spacing:.02em;color:#e8380d}
main{max-width:760px;margin:32px auto;padding:0 16px;display:flex;gap:24px;align-items:flex-start}
body.mobile main{flex-direction:column;margin:16px auto}
.card{background:#fff;border:1px solid #dde1e3;border-radius:6px;padding:24px}
.consent{flex:2}
.app{flex:1;min-width:200px}
h1.question{font-size:17px;margin:0 0 20px;line-height:1.5}
label{display:block;margin:0 0 14px;font-weight:bold}
input[type=text],input[type=password]{display:block;width:100%;margin-top:6px;padding:9px 10px;font-size:15px;border:1px solid #bbc3c7;border-radius:4px}
.buttons{display:flex;gap:12px;margin-top:20px}
button{flex:1;padding:11px 0;font-size:15px;border-radius:4px;cursor:pointer}
button.allow{background:#e8380d;border:1px solid #d0300a;color:#fff;font-weight:bold}
button.deny{background:#fff;border:1px solid #bbc3c7;color:#333}
.error{background:#fdecea;border:1px solid #f5c2bc;color:#b3261e;padding:10px 12px;border-radius:4px;margin:0 0 16px}
.who{margin:0 0 8px}
.note{color:#777;font-size:12px;margin:20px 0 0}
.app h2{font-size:16px;margin:0 0 12px}
.app dt{color:#777;font-size:12px;margin-top:10px}
.app dd{margin:2px 0 0;word-break:break-all}
`

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ユビレジ - アプリケーションの認証</title>
<style>` + pageStyle + `</style>
</head>
<body{{if .Mobile}} class="mobile"{{end}}>
<header><p class="logo">Ubiregi</p></header>
<main>
<section class="card consent">
<h1 class="question">{{.Client.Name}}があなたのアカウントにアクセスすることを許可しますか？</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="request_id" value="{{.RequestID}}">
{{if .LoggedInAs}}<p class="who">ログイン中のアカウント: <strong>{{.LoggedInAs}}</strong></p>
{{else}}<label>メールアドレスまたはアカウント名<input type="text" name="login" value="{{.Login}}" autocomplete="username" autocapitalize="off"></label>
<label>パスワード<input type="password" name="password" autocomplete="current-password"></label>
{{end}}<div class="buttons">
<button type="submit" name="decision" value="allow" class="allow">許可する</button>
<button type="submit" name="decision" value="deny" class="deny">許可しない</button>
</div>
</form>
<p class="note">一度連携したアプリはアプリ設定から変更、取り消しができます。</p>
</section>
<aside class="card app">
<h2>{{.Client.Name}}</h2>
<dl>
<dt>開発者</dt><dd>{{.Client.Developer}}</dd>
<dt>Webサイト</dt><dd>{{if .Client.Website}}<a href="{{.Client.Website}}" rel="noopener">{{.Client.Website}}</a>{{end}}</dd>
<dt>説明</dt><dd>{{.Client.Description}}</dd>
</dl>
</aside>
</main>
</body>
</html>
`))

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ユビレジ - エラー</title>
<style>` + pageStyle + `</style>
</head>
<body>
<header><p class="logo">Ubiregi</p></header>
<main>
<section class="card consent">
<h1 class="question">エラー</h1>
<p class="error" role="alert">{{.}}</p>
</section>
</main>
</body>
</html>
`))

func (s *Server) renderConsent(w http.ResponseWriter, status int, p consentPage) {
	writeHTML(w, status, consentTmpl, p)
}

// errorPage answers what must not go back to the client (an unknown app,
// an unregistered redirect_uri): a page, never a redirect.
func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.log.Info("ubiregi sim: authorization refused", "status", status, "message", msg)
	writeHTML(w, status, errorTmpl, msg)
}

func writeHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	// The page may not be framed (clickjacking of 許可する).
	h.Set("X-Frame-Options", "DENY")
	// No form-action: browsers apply it to the redirect to the client too.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
