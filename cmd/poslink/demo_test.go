package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/demo"
	"github.com/poslink/poslink/internal/pgembed"
	"github.com/poslink/poslink/internal/sim/sandbox"
)

// demoRun is one `poslink demo` running in the test, as `make run` runs it.
type demoRun struct {
	url    string
	banner string
	cancel context.CancelFunc
	done   chan error
}

// startDemo runs `poslink demo` on a free port with its private PostgreSQL
// in dataDir and waits for the banner.
func startDemo(t *testing.T, dataDir string) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	d := &demoRun{cancel: cancel, done: make(chan error, 1)}
	noEnv := func(string) (string, bool) { return "", false }
	go func() {
		err := run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn",
			"--sim-ubiregi-addr", "127.0.0.1:0", "--sim-smaregi-addr", "127.0.0.1:0", "--sim-camera-addr", "127.0.0.1:0"},
			noEnv, strings.NewReader(""), outW, io.Discard)
		outW.CloseWithError(errors.New("demo ended"))
		d.done <- err
	}()
	banners := make(chan string, 1)
	go func() {
		var banner strings.Builder
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
				banners <- banner.String()
				break
			}
		}
		close(banners)
	}()
	select {
	case b, ok := <-banners:
		if !ok {
			cancel()
			t.Fatalf("demo ended before printing its banner: %v", <-d.done)
		}
		d.banner = b
		for line := range strings.Lines(b) {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "portal"); ok {
				d.url = strings.TrimSpace(u)
			}
		}
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("demo printed no banner within 2 minutes")
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	return d
}

// stop does what Ctrl-C does and waits for a clean return.
func (d *demoRun) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("demo returned %v after Ctrl-C", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("demo did not stop within a minute of Ctrl-C")
	}
}

// webLogin logs in through the login form like a browser would.
func webLogin(t *testing.T, base, email, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path == "/login" {
		t.Fatalf("login as %s ended at %s with %d", email, res.Request.URL.Path, res.StatusCode)
	}
	return c
}

func getBody(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// What `make run` promises: a private PostgreSQL under the data directory,
// the login page, both demo users able to log in, a clean stop on Ctrl-C
// (PostgreSQL too), and the data kept for the next run.
func TestDemoRunsStopsAndKeepsData(t *testing.T) {
	dir, err := os.MkdirTemp("", "poslink-demo-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	// As root, PostgreSQL runs as the postgres user, which must reach the
	// data directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "var")

	d := startDemo(t, dataDir)
	code, body := getBody(t, http.DefaultClient, d.url+"/")
	if code != http.StatusOK || !strings.Contains(body, "カメラ - POS 認証連携ポータル") || !strings.Contains(body, "ログイン") {
		t.Fatalf("opening the URL: %d, not the Japanese login page:\n%s", code, body)
	}
	if code, _ := getBody(t, http.DefaultClient, d.url+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz: %d", code)
	}
	owner := webLogin(t, d.url, demo.OwnerEmail, demo.OwnerPassword)
	_, body = getBody(t, owner, d.url+"/cameras")
	for _, want := range []string{"カメラ一覧", "レジ前カメラ", "入口カメラ", "バックヤードカメラ", "利用可能", "から利用可能"} {
		if !strings.Contains(body, want) {
			t.Errorf("owner's camera list lacks %q", want)
		}
	}
	// A working Smaregi link on its own contract, two registers on the
	// first camera, beside the legacy link to move.
	_, body = getBody(t, owner, d.url+"/smaregi")
	for _, want := range []string{demo.SmaregiPlatformContractID, sandbox.SmaregiContractID, "レジ前カメラ"} {
		if !strings.Contains(body, want) {
			t.Errorf("owner's Smaregi page lacks %q", want)
		}
	}
	staff := webLogin(t, d.url, demo.StaffEmail, demo.StaffPassword)
	res, err := staff.PostForm(d.url+"/support/tenants", url.Values{"name": {"次回も残る店"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("staff creating a tenant: %d", res.StatusCode)
	}
	checkDemoJSON(t, filepath.Join(dataDir, "demo.json"), d.url)
	token := checkViewerToken(t, dataDir, d)
	if _, body := getBody(t, http.DefaultClient, d.url+"/login"); !strings.Contains(body, "デモ環境のアカウント") ||
		!strings.Contains(body, "demo-ubiregi") {
		t.Errorf("the login page does not list the demo's accounts")
	}
	d.stop(t)
	if pid, err := pgembed.RunningPID(filepath.Join(dataDir, "pg")); err != nil || pid != 0 {
		t.Fatalf("PostgreSQL still running after Ctrl-C: pid %d (%v)", pid, err)
	}

	d = startDemo(t, dataDir)
	defer d.stop(t)
	staff = webLogin(t, d.url, demo.StaffEmail, demo.StaffPassword)
	_, body = getBody(t, staff, d.url+"/support/tenants")
	if !strings.Contains(body, "次回も残る店") || strings.Count(body, demo.TenantName) != 1 {
		t.Fatalf("second run lost data or seeded twice:\n%s", body)
	}
	// The viewer token of the first run, printed again, not a second one.
	if again := checkViewerToken(t, dataDir, d); again != token {
		t.Errorf("the restart made another viewer token")
	}
}

// checkDemoJSON reads var/demo.json as a script would and checks that what it
// names answers: the portal, and each simulator with its credentials.
func checkDemoJSON(t *testing.T, path, portal string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Portal  string `json:"portal"`
		Ubiregi struct {
			BaseURL  string `json:"base_url"`
			Login    string `json:"login"`
			Password string `json:"password"`
		} `json:"ubiregi"`
		Smaregi struct {
			IDBaseURL    string `json:"id_base_url"`
			APIBaseURL   string `json:"api_base_url"`
			ContractID   string `json:"contract_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"smaregi"`
		CameraCloud struct {
			BaseURL string `json:"base_url"`
			APIKey  string `json:"api_key"`
		} `json:"camera_cloud"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("demo.json: %v\n%s", err, b)
	}
	if info.Portal != portal || info.Ubiregi.Login == "" || info.Ubiregi.Password == "" || info.Smaregi.ClientSecret == "" {
		t.Fatalf("demo.json lacks what it should hold:\n%s", b)
	}
	// The Smaregi credentials get an app token from the ID host.
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"pos.transactions:read pos.stores:read"}}
	req, _ := http.NewRequest(http.MethodPost, info.Smaregi.IDBaseURL+"/app/"+info.Smaregi.ContractID+"/token",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(info.Smaregi.ClientID, info.Smaregi.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("Smaregi token with the demo credentials: %d", res.StatusCode)
	}
	// The camera key sees the demo tenant's cameras.
	req, _ = http.NewRequest(http.MethodGet, info.CameraCloud.BaseURL+"/v2/devices/demo-cam-register/thumbnail", nil)
	req.Header.Set("Safie-API-Key", info.CameraCloud.APIKey)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("camera thumbnail with the demo key: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Ubiregi's consent page answers for the demo's OAuth client.
	res, err = http.Get(info.Ubiregi.BaseURL + "/oauth2/authorize?response_type=code&client_id=poslink-demo&redirect_uri=" +
		url.QueryEscape(portal+"/ubiregi/callback") + "&state=x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "許可する") {
		t.Errorf("Ubiregi consent page for the demo client: %d", res.StatusCode)
	}
}

// When its private PostgreSQL dies, the demo says so and ends with an error
// (exit status 1) instead of serving errors.
func TestDemoStopsWhenItsDatabaseDies(t *testing.T) {
	dir, err := os.MkdirTemp("", "poslink-demo-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "var")
	d := startDemo(t, dataDir)
	defer d.cancel()
	pid, err := pgembed.RunningPID(filepath.Join(dataDir, "pg"))
	if err != nil || pid == 0 {
		t.Fatalf("no running PostgreSQL for the demo: pid %d (%v)", pid, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "private PostgreSQL exited") ||
			!strings.Contains(err.Error(), "postgres.log") {
			t.Fatalf("demo returned %v (exit %d), want an error saying its database exited, exit 1", err, exitCode(err))
		}
		t.Logf("demo: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("demo still running a minute after its PostgreSQL was killed")
	}
	if _, err := http.Get(d.url + "/healthz"); err == nil {
		t.Error("the portal still answers after the demo stopped")
	}
}

// As root, `make run` in a checkout the postgres user cannot reach (under
// /root, mode 0700) starts: the cluster lives in a stand-in that var/pg
// links to, and the banner says where.
func TestDemoInClosedDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands PostgreSQL to another user")
	}
	dataDir := filepath.Join(t.TempDir(), "checkout", "var") // t.TempDir is mode 0700, like /root
	d := startDemo(t, dataDir)
	standIn, err := os.Readlink(filepath.Join(dataDir, "pg"))
	if err != nil {
		d.stop(t)
		t.Fatalf("var/pg is not a link to the cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(filepath.Dir(standIn)); err != nil {
			t.Error(err)
		}
		_ = os.Remove(filepath.Dir(filepath.Dir(standIn))) // fails while another cluster lives there, as it should
	})
	if !strings.Contains(d.banner, "database        "+standIn+"\n") {
		t.Errorf("the banner does not say where the database lives (%s):\n%s", standIn, d.banner)
	}
	owner := webLogin(t, d.url, demo.OwnerEmail, demo.OwnerPassword)
	if code, body := getBody(t, owner, d.url+"/cameras"); code != http.StatusOK || !strings.Contains(body, "カメラ一覧") {
		t.Fatalf("camera list: %d", code)
	}
	d.stop(t)
	if _, err := os.Stat(filepath.Join(standIn, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster kept in %s: %v", standIn, err)
	}
}

// checkViewerToken checks the demo's viewer API token: in var/demo.json as
// "viewer_token", in the banner, and reading the demo tenant's cameras.
func checkViewerToken(t *testing.T, dataDir string, d *demoRun) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ViewerToken string `json:"viewer_token"`
	}
	if err := json.Unmarshal(b, &f); err != nil || !strings.HasPrefix(f.ViewerToken, "plk_") {
		t.Fatalf("demo.json has no viewer_token (%v):\n%s", err, b)
	}
	if !strings.Contains(d.banner, "Bearer "+f.ViewerToken) {
		t.Errorf("the banner does not print the viewer token:\n%s", d.banner)
	}
	req, _ := http.NewRequest(http.MethodGet, d.url+"/api/v1/cameras", nil)
	req.Header.Set("Authorization", "Bearer "+f.ViewerToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "レジ前カメラ") {
		t.Errorf("the viewer token reads: %d %s", res.StatusCode, body)
	}
	return f.ViewerToken
}
