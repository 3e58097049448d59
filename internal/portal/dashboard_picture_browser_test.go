package portal_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/browsertest"
	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/dashboard/dashtest"
	"github.com/poslink/poslink/internal/sim/sandbox"
	"github.com/poslink/poslink/internal/stills"
)

// pictureFixture is a camera of the camera-cloud simulator (the demo's
// register camera) with three sales whose stills the stills fetcher has
// fetched from the simulator, and its owner.
type pictureFixture struct {
	e                *env
	cam              int64
	pay, cancel, old int64
}

func newPictureFixture(t *testing.T) *pictureFixture {
	t.Helper()
	e := newEnv(t, func(cfg *config.Config) { cfg.CameraAPIKey = config.Secret(sandbox.CameraAPIKey) })
	tn := e.tenant(t, "映像の店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "demo-cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	fx := &pictureFixture{e: e, cam: cam.ID}
	// The test's sales are a week older than the database's clock: the
	// payments' window reaches them.
	const window = 30 * 24 * time.Hour
	if _, err := e.pool.Exec(t.Context(), `UPDATE still_settings SET payment_window = interval '30 days'`); err != nil {
		t.Fatal(err)
	}
	conn := dashtest.Connection(t, e.pool, tn.ID, "smaregi", "skpicture")
	dashtest.Bind(t, e.pool, tn.ID, conn, "1:1", "レジ1", cam.ID, testNow.AddDate(0, 0, -4), time.Time{})
	sale := func(at time.Time, kind, receipt string, total int64) int64 {
		return dashtest.Insert(t, e.pool, tn.ID, conn, dashtest.Txn{CameraID: cam.ID, SoldAt: at.In(jst), Kind: kind,
			Total: total, Deposit: total, ReceiptNo: receipt, Staff: "佐藤", TerminalKey: "1:1", TerminalName: "レジ1"})
	}
	fx.pay = sale(testNow.Add(-10*time.Minute), "payment", "R-0101", 1200)
	fx.cancel = sale(testNow.Add(-40*time.Minute), "cancel", "R-0102", 800)
	fx.old = sale(testNow.Add(-90*time.Minute), "payment", "R-0103", 500)

	// The fetcher as serve runs it, on the simulator's clock.
	cam2 := camera.New(camera.Config{BaseURL: e.sims.Info.CameraCloud.BaseURL, APIKey: sandbox.CameraAPIKey,
		Now: e.simClock.Now, Timeout: 5 * time.Second})
	f := stills.NewFetcher(e.pool, cam2, stills.NewMetrics(prometheus.NewRegistry()), stills.Config{
		PaymentWindow: window, IdleWait: 20 * time.Millisecond, BackoffBase: 10 * time.Millisecond, Owner: "picture-test"})
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { f.Run(ctx) })
	t.Cleanup(func() { stop(); wg.Wait() })
	deadline := time.Now().Add(time.Minute)
	for {
		var waiting int
		if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM transaction_stills WHERE state <> 'ready'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		var ready int
		if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM transaction_stills WHERE state = 'ready'`).Scan(&ready); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 && ready == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stills were not fetched: %d waiting, %d ready", waiting, ready)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fx
}

// poll waits until the expression is true in the page.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](expr)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// loaded is true when the image that sel matches has loaded a picture.
func loaded(sel string) string {
	return `(() => { const i = document.querySelector(` + jsString(sel) + `); return !!i && i.complete && i.naturalWidth > 0; })()`
}

// header is a header of the answer to GET url, fetched in the page (the
// owner's session).
func header(t *testing.T, ctx context.Context, url, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(url)+`).then(r => (r.headers.get(`+jsString(name)+`) || "") + " " + r.headers.get("Content-Type"))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", url, err)
	}
	return v
}

// In Chromium the rows' thumbnails are the stills the fetcher stored (real
// JPEGs from the camera-cloud simulator), the picture is the camera's live
// picture, a click on a row shows that sale's frame in its place, with the
// row marked, and ライブに戻る returns to the live picture.
func TestBrowserDashboardPicture(t *testing.T) {
	fx := newPictureFixture(t)
	base := fx.e.srv.URL
	b := browsertest.New(t)
	auditBrowserLogin(t, b, base, ownerEmail, ownerPW)
	dash := "/cameras/" + itoa(fx.cam) + "/dashboard"
	if _, err := browsertest.Navigate(b, base+dash); err != nil {
		t.Fatal(err)
	}
	thumb := "#txn-" + itoa(fx.cancel) + " td.dash-thumb img"
	poll(t, b, "the キャンセル row's thumbnail loads", loaded(thumb))
	if got := header(t, b, stillPath(fx.cam, fx.cancel), "X-Still-State"); got != "ready image/jpeg" {
		t.Errorf("the thumbnail's answer: %q", got)
	}
	const pic = "figure.dash-picture img"
	poll(t, b, "the live picture loads", loaded(pic))
	src, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector("`+pic+`").getAttribute("src")`))
	if err != nil || src != livePath(fx.cam) {
		t.Errorf("the picture is %q (%v), want the live one", src, err)
	}
	if got := header(t, b, livePath(fx.cam), "X-Live-State"); got != "ready image/jpeg" {
		t.Errorf("the live picture's answer: %q", got)
	}
	if got, _ := browsertest.Text(b, "figure.dash-picture figcaption"); got != "ライブ（10秒ごとに更新）" {
		t.Errorf("the live caption with script: %q", got)
	}
	browsertest.Screenshot(t, b, "dashboard-picture-live")

	// A click on the row (its receipt number) shows its frame.
	must(t, browsertest.Click(b, "#txn-"+itoa(fx.cancel)+" td:nth-child(6)"))
	poll(t, b, "the キャンセル's frame in the picture",
		`document.querySelector("`+pic+`").getAttribute("src") === `+jsString(stillPath(fx.cam, fx.cancel))+` && `+loaded(pic))
	if got, _ := browsertest.Text(b, "figure.dash-picture .dash-picture-caption"); got != "2026/11/23 11:20:00 +09:00 · キャンセル · レジ1 の映像" {
		t.Errorf("the frame's caption: %q", got)
	}
	selected, err := chromedp.Run(b, chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll("tbody tr.is-selected[aria-current=true]")).map(r => r.id).join(",")`))
	if err != nil || selected != "txn-"+itoa(fx.cancel) {
		t.Errorf("selected rows: %q (%v)", selected, err)
	}
	browsertest.Screenshot(t, b, "dashboard-picture-frame")

	// The thumbnail's link, from the keyboard: the frame, no new page.
	link := "#txn-" + itoa(fx.old) + " a.dash-thumb-link"
	if _, err := chromedp.Run(b, chromedp.Focus(chromedp.CSS(link))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	poll(t, b, "the older sale's frame after Enter on its thumbnail",
		`document.querySelector("`+pic+`").getAttribute("src") === `+jsString(stillPath(fx.cam, fx.old))+` && `+loaded(pic))
	if loc, _ := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname + location.search`)); loc != dash {
		t.Errorf("the thumbnail's link left the page: %s", loc)
	}

	// ライブに戻る.
	must(t, browsertest.Click(b, "button.dash-to-live"))
	poll(t, b, "back to the live picture",
		`document.querySelector("`+pic+`").getAttribute("src").startsWith(`+jsString(livePath(fx.cam)+"?t=")+`) && `+loaded(pic)+
			` && document.querySelector("button.dash-to-live").hidden && !document.querySelector("tbody tr.is-selected")`)
	if got, _ := browsertest.Text(b, "figure.dash-picture figcaption"); got != "ライブ（10秒ごとに更新）" {
		t.Errorf("the caption back on live: %q", got)
	}
	browsertest.Screenshot(t, b, "dashboard-picture-back-live")
}
