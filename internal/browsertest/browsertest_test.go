package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	// TestMissingBrowser re-runs this binary as if no browser were installed.
	if os.Getenv(hideBrowserEnv) == "1" {
		candidates = nil
		for _, v := range []string{"CHROMIUM", "CHROME_BIN"} {
			if err := os.Unsetenv(v); err != nil {
				panic(err)
			}
		}
	}
	Main(m)
}

// newTestServer serves a form page in Japanese and a result page that the
// form reaches through a POST-redirect-GET, as the portal's forms do.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>テスト</title>
<style>body{font-family:"Noto Sans CJK JP",sans-serif} .tall{height:1500px}</style></head>
<body><h1>カメラ - POS 認証連携ポータル</h1>
<form method="post" action="/greet">
  <label>お名前 <input name="name" id="name" required></label>
  <label>店舗 <select name="shop" id="shop"><option value="">選択</option><option value="shibuya">渋谷店</option><option value="umeda">梅田店</option></select></label>
  <button type="submit" name="action" value="greet" id="go">送信する</button>
</form>
<p class="tall">縦に長いページ（全体のスクリーンショットの確認用）</p>
<p id="bottom">ページの終わり</p>
</body></html>`)
	})
	mux.HandleFunc("POST /greet", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{
			"name":   {r.PostFormValue("name")},
			"shop":   {r.PostFormValue("shop")},
			"action": {r.PostFormValue("action")},
		}
		http.Redirect(w, r, "/result?"+q.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /result", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		_, _ = fmt.Fprintf(w, `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>結果</title></head>
<body><p id="result" role="status">
  こんにちは、%s さん（%s / %s）
</p></body></html>`, html.EscapeString(q.Get("name")), html.EscapeString(q.Get("shop")), html.EscapeString(q.Get("action")))
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestFormRoundTrip(t *testing.T) {
	srv := newTestServer(t)

	begin := time.Now()
	ctx := New(t)
	resp, err := Navigate(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /: status %d", resp.Status)
	}
	Screenshot(t, ctx, "form")
	t.Logf("first tab + navigation + screenshot: %v", time.Since(begin).Round(time.Millisecond))

	// Every tab has the same viewport, whatever window it opens in.
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](`[window.innerWidth, window.innerHeight]`))
	if err != nil {
		t.Fatal(err)
	}
	if size != [2]int{1280, 900} {
		t.Errorf("viewport = %dx%d, want 1280x900", size[0], size[1])
	}

	if err := Fill(ctx, "#name", "山田 太郎"); err != nil {
		t.Fatal(err)
	}
	if err := Fill(ctx, "#shop", "umeda"); err != nil {
		t.Fatal(err)
	}
	resp, err = Submit(ctx, "#go")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/result?") {
		t.Errorf("after submit: status %d, URL %s; want 200 from /result", resp.Status, resp.URL)
	}

	got, err := Text(ctx, "#result")
	if err != nil {
		t.Fatal(err)
	}
	if want := "こんにちは、山田 太郎 さん（umeda / greet）"; got != want {
		t.Errorf("result text = %q, want %q", got, want)
	}
	Screenshot(t, ctx, "result")
}

func TestScreenshotIsFullPage(t *testing.T) {
	srv := newTestServer(t)
	ctx := New(t)
	if _, err := Navigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "full page")

	dir, err := screenshotDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "TestScreenshotIsFullPage-full_page.png")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// The page is about 1,700 px tall in a 900 px window.
	if cfg.Width != 1280 || cfg.Height <= 900 {
		t.Errorf("screenshot is %dx%d, want 1280 wide and taller than the 900 px window", cfg.Width, cfg.Height)
	}
}

func TestFillRejectsUnknownOption(t *testing.T) {
	srv := newTestServer(t)
	ctx := New(t)
	if _, err := Navigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	err := Fill(ctx, "#shop", "namba")
	if err == nil || !strings.Contains(err.Error(), "did not take the value") {
		t.Errorf("Fill with an unknown option: err = %v, want a refusal", err)
	}
}

func TestMissingSelectorTimesOut(t *testing.T) {
	srv := newTestServer(t)
	ctx := New(t)
	if _, err := Navigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	// A shorter deadline than stepTimeout keeps the test fast; the point
	// is that the error names the selector.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err := Text(short, "#no-such-element")
	if err == nil || !strings.Contains(err.Error(), "#no-such-element") {
		t.Errorf("Text of a missing element: err = %v, want an error naming the selector", err)
	}
	// The tab still works after a step timed out.
	if _, err := Text(ctx, "h1"); err != nil {
		t.Errorf("tab unusable after a timed-out step: %v", err)
	}
}

func TestFindChromiumExplicitPath(t *testing.T) {
	t.Setenv("CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	if _, err := findChromium(); err == nil || !strings.Contains(err.Error(), "$CHROMIUM") {
		t.Errorf("findChromium with a missing $CHROMIUM: err = %v, want an error naming $CHROMIUM", err)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"TestLogin/日本語 ok": "TestLogin_____ok",
		"a.b-c_d":          "a.b-c_d",
		"../x":             "_x",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
