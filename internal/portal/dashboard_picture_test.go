package portal_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	pictureImg  = regexp.MustCompile(`<figure class="dash-picture"[^>]*>\s*<img src="([^"]+)"`)
	thumbLinkOf = func(id int64) *regexp.Regexp {
		return regexp.MustCompile(`(?s)<tr id="txn-` + itoa(id) + `".*?<a class="dash-thumb-link" href="([^"]+)"`)
	}
)

// picture is the src of the dashboard's picture, and whether it is the
// live one.
func picture(t *testing.T, body string) (string, bool) {
	t.Helper()
	m := pictureImg.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no picture on the page:\n%.3000s", body)
	}
	fig := body[strings.Index(body, `<figure class="dash-picture"`):]
	fig = fig[:strings.Index(fig, ">")]
	return html.UnescapeString(m[1]), strings.Contains(fig, `data-live="true"`)
}

// The newest page shows the camera's live picture, said to be live; each
// row's thumbnail links to the dashboard at that row's second (the
// filters kept), where the picture is that transaction's frame, named by
// its time, kind and register. Script comes from a static file only.
func TestDashboardPicture(t *testing.T) {
	fx := newDashFixture(t)
	body := getOK(t, fx.owner, fx.path(""))
	if src, live := picture(t, body); src != livePath(fx.cam) || !live {
		t.Errorf("the newest page's picture: %s (live %v)", src, live)
	}
	if !strings.Contains(body, "ライブ（ページを開いた時点の映像）") {
		t.Error("the live picture's caption does not say it is live")
	}
	if !strings.Contains(body, `<script src="/static/dashboard.js" defer></script>`) ||
		regexp.MustCompile(`<script(\s[^>]*)?>[^<]`).MatchString(body) {
		t.Error("dashboard.js is not loaded, or a script is inline")
	}
	m := thumbLinkOf(fx.cancel).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the キャンセル row's thumbnail is no link:\n%.5000s", body)
	}
	// The list ends before at: the end of the sale's second.
	at := testNow.Add(-2*time.Hour + time.Second).In(jst).Format(time.RFC3339)
	if want := fx.path("at=" + url.QueryEscape(at)); html.UnescapeString(m[1]) != want {
		t.Errorf("the thumbnail's link: %s, want %s", html.UnescapeString(m[1]), want)
	}

	// The link: the list up to that second, its frame in the picture.
	body = getOK(t, fx.owner, html.UnescapeString(m[1]))
	if got := rows(body); len(got) == 0 || got[0] != itoa(fx.cancel) {
		t.Fatalf("the list at the キャンセル's second: %v", got)
	}
	if src, live := picture(t, body); src != stillPath(fx.cam, fx.cancel) || live {
		t.Errorf("the picture at the キャンセル's second: %s (live %v)", src, live)
	}
	if want := "2026/11/23 10:00:00 +09:00 · キャンセル · レジ1 の映像"; !strings.Contains(body, want) {
		t.Errorf("the frame's caption lacks %q", want)
	}

	// Filters stay on the thumbnails' links.
	body = getOK(t, fx.owner, fx.path("kind=cancel&range=6h"))
	m = thumbLinkOf(fx.cancel).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no thumbnail link on the filtered list")
	}
	q, err := url.ParseQuery(strings.SplitN(html.UnescapeString(m[1]), "?", 2)[1])
	if err != nil || q.Get("kind") != "cancel" || q.Get("range") != "6h" || q.Get("at") != at {
		t.Errorf("the filtered thumbnail's link: %s", m[1])
	}

	// A camera with no transactions still shows its live picture.
	body = getOK(t, fx.owner, "/cameras/"+itoa(fx.idleCam)+"/dashboard")
	if src, live := picture(t, body); src != livePath(fx.idleCam) || !live {
		t.Errorf("the idle camera's picture: %s (live %v)", src, live)
	}
	// Staff see the live picture through their own route.
	body = getOK(t, fx.staff, fmt.Sprintf("/support/tenants/%d/cameras/%d/dashboard", fx.tenant, fx.cam))
	if src, live := picture(t, body); src != cameraPath(fx.tenant, fx.cam)+"/live.jpg" || !live {
		t.Errorf("the staff's picture: %s (live %v)", src, live)
	}
}
