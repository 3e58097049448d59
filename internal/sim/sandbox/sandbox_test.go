package sandbox

import (
	"context"
	"encoding/json"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/poslink/poslink/internal/sim/simclock"
)

func start(t *testing.T, seed uint64) *Sandbox {
	t.Helper()
	sb, err := Start(context.Background(), Options{
		Seed: seed, Clock: simclock.NewFrozen(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)),
		UbiregiAddr: "127.0.0.1:0", SmaregiAddr: "127.0.0.1:0", CameraAddr: "127.0.0.1:0",
		UbiregiRedirectURIs: []string{"http://127.0.0.1:8080/ubiregi/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sb.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return sb
}

func getJSON(t *testing.T, c *http.Client, req *http.Request, v any) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", req.URL, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// What the demo prints works: the Smaregi credentials get a token and list
// the stores, the camera key sees the demo cameras and their pictures, and
// the Ubiregi account has its three registers.
func TestDemoCredentialsWork(t *testing.T) {
	sb := start(t, 2026)
	ctx := context.Background()
	info := sb.Info

	cc := clientcredentials.Config{ClientID: info.Smaregi.ClientID, ClientSecret: info.Smaregi.ClientSecret,
		TokenURL: info.Smaregi.IDBaseURL + "/app/" + info.Smaregi.ContractID + "/token",
		Scopes:   []string{"pos.transactions:read", "pos.stores:read"}, AuthStyle: oauth2.AuthStyleInHeader}
	req, _ := http.NewRequest(http.MethodGet, info.Smaregi.APIBaseURL+"/"+info.Smaregi.ContractID+"/pos/stores", nil)
	var stores []map[string]any
	getJSON(t, cc.Client(ctx), req, &stores)
	if len(stores) != 2 || stores[0]["storeName"] != "渋谷店" {
		t.Fatalf("stores: %v", stores)
	}
	if info.Smaregi.LegacyAccessToken == "" {
		t.Fatal("no legacy access token for the demo's old-style link")
	}

	req, _ = http.NewRequest(http.MethodGet, info.CameraCloud.BaseURL+"/v2/devices", nil)
	req.Header.Set("Safie-API-Key", info.CameraCloud.APIKey)
	var devs struct {
		Total int `json:"total"`
		List  []struct {
			DeviceID string `json:"device_id"`
		} `json:"list"`
	}
	getJSON(t, http.DefaultClient, req, &devs)
	if devs.Total != 3 || devs.List[0].DeviceID != "demo-cam-register" {
		t.Fatalf("devices: %+v", devs)
	}
	res, err := http.Get(info.CameraCloud.BaseURL + "/v2/devices/demo-cam-register/thumbnail")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("thumbnail without the key: %d", res.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, info.CameraCloud.BaseURL+"/v2/devices/demo-cam-register/thumbnail", nil)
	req.Header.Set("Safie-API-Key", info.CameraCloud.APIKey)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(res.Body); err != nil {
		t.Fatalf("thumbnail is no JPEG: %v", err)
	}
	res.Body.Close()

	tok, err := sb.Ubiregi.IssueToken(info.Ubiregi.ClientID, info.Ubiregi.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, info.Ubiregi.BaseURL+"/api/3/accounts/current", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var acct struct {
		Account struct {
			Login   string `json:"login"`
			Devices []struct {
				GUID string `json:"guid"`
			} `json:"devices"`
		} `json:"account"`
	}
	getJSON(t, http.DefaultClient, req, &acct)
	if acct.Account.Login != UbiregiLogin || len(acct.Account.Devices) != 3 {
		t.Fatalf("account: %+v", acct)
	}
	if !strings.HasPrefix(info.Ubiregi.AdminURL, info.Ubiregi.BaseURL) {
		t.Fatalf("admin URL %q", info.Ubiregi.AdminURL)
	}
}

// The same seed gives the same credentials on every run, so a restarted
// demo keeps working with what was printed before.
func TestSameSeedSameCredentials(t *testing.T) {
	a, b := start(t, 7), start(t, 7)
	if a.Info.Smaregi.ClientSecret == "" || a.Info.Smaregi.ClientSecret != b.Info.Smaregi.ClientSecret ||
		a.Info.Smaregi.LegacyAccessToken != b.Info.Smaregi.LegacyAccessToken {
		t.Fatalf("credentials differ between runs: %+v / %+v", a.Info.Smaregi, b.Info.Smaregi)
	}
	if c := start(t, 8); c.Info.Smaregi.ClientSecret == a.Info.Smaregi.ClientSecret {
		t.Fatal("another seed gave the same secret")
	}
}

// A grant issued before a restart still works after it when the state file
// is kept, as the demo does.
func TestStateFileKeepsGrantsAcrossRestarts(t *testing.T) {
	file := t.TempDir() + "/sim-state.json"
	clock := simclock.NewFrozen(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	opts := Options{Seed: 1, Clock: clock, StateFile: file, UbiregiRedirectURIs: []string{"http://127.0.0.1:8080/ubiregi/callback"},
		UbiregiAddr: "127.0.0.1:0", SmaregiAddr: "127.0.0.1:0", CameraAddr: "127.0.0.1:0"}
	first, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := first.Ubiregi.IssueToken(first.Info.Ubiregi.ClientID, first.Info.Ubiregi.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := second.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	req, _ := http.NewRequest(http.MethodGet, second.Info.Ubiregi.BaseURL+"/api/3/accounts/current", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var acct map[string]any
	getJSON(t, http.DefaultClient, req, &acct)
}
