package portal_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/sandbox"
)

// thumbnailCounter stands between the portal and the camera-cloud
// simulator and counts the live pictures asked for.
type thumbnailCounter struct{ calls atomic.Int64 }

// withCountedCamera points the portal at the simulator through a
// counting proxy, with the simulator's API key (the demo's cameras).
func (tc *thumbnailCounter) withCountedCamera(t *testing.T) func(*config.Config) {
	return func(cfg *config.Config) {
		sim, err := url.Parse(cfg.CameraURL)
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(sim)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/thumbnail") {
				tc.calls.Add(1)
			}
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		cfg.CameraURL = srv.URL
		cfg.CameraAPIKey = config.Secret(sandbox.CameraAPIKey)
	}
}

func livePath(cameraID int64) string { return fmt.Sprintf("/cameras/%d/live.jpg", cameraID) }

// The camera's live picture comes from the portal's own origin: however
// many viewers (the owner's tabs, staff) ask at once, the camera cloud is
// asked once; the JPEG is fitted to the page, private and cached briefly.
// Another tenant's camera is not found, a failing camera cloud is a
// placeholder naming the state (never a 500), and nothing is written.
func TestLivePictureRoute(t *testing.T) {
	var tc thumbnailCounter
	e := newEnv(t, tc.withCountedCamera(t))
	tn := e.tenant(t, "ライブの店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	cam := e.camera(t, tn.ID, "demo-cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	cam2 := e.camera(t, tn.ID, "demo-cam-backyard", "バックヤードカメラ", testNow.AddDate(0, 0, -5))
	unknown := e.camera(t, tn.ID, "cam-not-at-the-cloud", "未登録カメラ", testNow.AddDate(0, 0, -5))
	other := e.tenant(t, "よその店")
	e.owner(t, other.ID, "other@shop.example", "other-password-1")
	otherCam := e.camera(t, other.ID, "demo-cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	owner := e.login(t, ownerEmail, ownerPW)
	staff := e.login(t, staffEmail, staffPW)
	otherOwner := e.login(t, "other@shop.example", "other-password-1")
	before := pureSnapshot(t, e)

	const viewers = 40
	type answer struct {
		status      int
		state, etag string
		body        string
	}
	answers := make([]answer, viewers)
	var wg sync.WaitGroup
	for i := range viewers {
		c, p := owner, livePath(cam.ID)
		if i%4 == 3 {
			c, p = staff, cameraPath(tn.ID, cam.ID)+"/live.jpg"
		}
		wg.Go(func() {
			res, body := c.get(p)
			answers[i] = answer{res.StatusCode, res.Header.Get("X-Live-State"), res.Header.Get("ETag"), body}
		})
	}
	wg.Wait()
	if n := tc.calls.Load(); n != 1 {
		t.Errorf("%d viewers at once made %d calls to the camera cloud, want 1", viewers, n)
	}
	for i, a := range answers {
		if a.status != http.StatusOK || a.state != "ready" || a.etag != answers[0].etag || a.body != answers[0].body {
			t.Fatalf("viewer %d: %d %s %s", i, a.status, a.state, a.etag)
		}
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader([]byte(answers[0].body))); err != nil || cfg.Width > 640 || cfg.Height > 360 {
		t.Errorf("the live picture: %d×%d (%v)", cfg.Width, cfg.Height, err)
	}
	res, _ := owner.get(livePath(cam.ID))
	h := res.Header
	if h.Get("Content-Type") != "image/jpeg" || h.Get("Cache-Control") != "private, max-age=10" || h.Get("ETag") == "" {
		t.Errorf("the live picture's headers: %v", h)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	req, _ := http.NewRequest(http.MethodGet, owner.base+livePath(cam.ID), nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if res, body := owner.do(req); res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d, %d bytes", res.StatusCode, len(body))
	}
	if n := tc.calls.Load(); n != 1 {
		t.Errorf("within the TTL: %d calls", n)
	}

	// Not found: another tenant's camera, under the owner's or the staff's
	// route with another tenant; an owner may not use the staff's route.
	for _, p := range []string{livePath(otherCam.ID), livePath(otherCam.ID + 1000), "/cameras/x/live.jpg"} {
		if res, body := owner.get(p); res.StatusCode != http.StatusNotFound || !visibleMessage(body) {
			t.Errorf("GET %s: %d, want 404 with a message", p, res.StatusCode)
		}
	}
	if res, _ := otherOwner.get(livePath(cam.ID)); res.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's owner: %d", res.StatusCode)
	}
	if res, _ := staff.get(cameraPath(other.ID, cam.ID) + "/live.jpg"); res.StatusCode != http.StatusNotFound {
		t.Errorf("staff, under another tenant: %d", res.StatusCode)
	}
	if res, _ := owner.get(cameraPath(tn.ID, cam.ID) + "/live.jpg"); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("an owner on the staff's route: %d", res.StatusCode)
	}
	if res, _ := e.client(t).get(livePath(cam.ID)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", res.StatusCode)
	}
	// Read only: nothing but GET.
	if res, _ := staff.postForm(cameraPath(tn.ID, cam.ID)+"/live.jpg", url.Values{}); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST on the staff's route: %d", res.StatusCode)
	}

	// A device the cloud does not know under the key: "no picture".
	res, body := owner.get(livePath(unknown.ID))
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Live-State") != "no_device" ||
		res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "ライブ映像はありません") {
		t.Errorf("unknown device: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	// The camera cloud failing: the placeholder, briefly cached, for
	// every viewer; one call.
	e.sims.Camera.Faults().Set(fault.Settings{ErrorRate: 1})
	calls := tc.calls.Load()
	for _, c := range []*client{owner, owner, staff} {
		p := livePath(cam2.ID)
		if c == staff {
			p = cameraPath(tn.ID, cam2.ID) + "/live.jpg"
		}
		res, body := c.get(p)
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Live-State") != "unreachable" ||
			res.Header.Get("Content-Type") != "image/svg+xml" || res.Header.Get("Cache-Control") != "private, max-age=10" ||
			!strings.Contains(body, "カメラに接続できません") {
			t.Errorf("cloud failing: %d %v\n%s", res.StatusCode, res.Header, body)
		}
	}
	if n := tc.calls.Load() - calls; n != 1 {
		t.Errorf("cloud failing: %d calls for three viewers, want 1", n)
	}
	if after := pureSnapshot(t, e); !maps.Equal(before, after) {
		t.Error("serving live pictures changed the tables")
	}
}

// Without the camera cloud's API key the live picture is the "no
// picture" placeholder, named refused; nothing is called.
func TestLivePictureWithoutAPIKey(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "鍵のない店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "demo-cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	owner := e.login(t, ownerEmail, ownerPW)
	res, body := owner.get(livePath(cam.ID))
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Live-State") != "refused" ||
		res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "ライブ映像はありません") {
		t.Errorf("no API key: %d %v\n%s", res.StatusCode, res.Header, body)
	}
}
