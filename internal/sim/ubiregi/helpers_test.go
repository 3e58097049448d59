package ubiregi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/poslink/poslink/internal/sim/shop"
	"github.com/poslink/poslink/internal/sim/simclock"
)

// day is a Friday in Tokyo; fixtures start the clock at 14:00 on it.
var day = time.Date(2026, 11, 20, 0, 0, 0, 0, shop.Tokyo)

const (
	testClientID     = "poslink-portal"
	testClientSecret = "s3cret/with+odd&chars"
	testLogin        = "cafe-ubiregi"
	testEmail        = "Owner@Cafe.example"
	testPassword     = "correct horse battery"
)

// fixture is a simulator on 127.0.0.1, a registered client, the client's
// callback (the portal's redirect target) and one account.
type fixture struct {
	t     *testing.T
	sim   *Server
	clock *simclock.Clock
	ts    *httptest.Server
	cb    *httptest.Server
	conf  *oauth2.Config
	acct  Account
}

func newFixture(t *testing.T, devices int) *fixture {
	t.Helper()
	clock := simclock.NewFrozen(day.Add(14 * time.Hour))
	sim := New(Config{Seed: 42, Clock: clock, HistoryFrom: day.AddDate(0, 0, -7)})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	// The callback answers with the query it got, so a test can read the
	// code and state the browser brought back.
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "callback?"+r.URL.RawQuery)
	}))
	t.Cleanup(cb.Close)
	f := &fixture{t: t, sim: sim, clock: clock, ts: ts, cb: cb}
	if err := sim.RegisterClient(Client{
		ID: testClientID, Secret: testClientSecret, RedirectURIs: []string{cb.URL + "/ubiregi/callback"},
		Name: "セーフィー", Developer: "Safie", Website: "https://safie.link/apps", Description: "クラウドレコーディングサービス",
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	f.acct, err = sim.CreateAccount(Account{Login: testLogin, Email: testEmail, Password: testPassword, Name: "カフェ・ユビレジ", Devices: devices})
	if err != nil {
		t.Fatal(err)
	}
	f.conf = &oauth2.Config{
		ClientID: testClientID, ClientSecret: testClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: ts.URL + "/oauth2/authorize", TokenURL: ts.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: cb.URL + "/ubiregi/callback",
	}
	return f
}

// browser is a user agent with its own cookies.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// get fetches a URL and returns status and body.
func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

func requestID(t *testing.T, page string) string {
	t.Helper()
	m := requestIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request_id in the page:\n%s", page)
	}
	return m[1]
}

// callbackQuery reads the query the callback received from its answer.
func callbackQuery(t *testing.T, body string) url.Values {
	t.Helper()
	raw, ok := strings.CutPrefix(body, "callback?")
	if !ok {
		t.Fatalf("the browser did not end at the callback:\n%s", body)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// consent drives the whole consent page as the owner would: open the
// authorize URL, type login and password, press 許可する. It returns the
// code after checking the state came back.
func (f *fixture) consent(b *http.Client, verifier string) string {
	f.t.Helper()
	state := "st-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	_, page := get(f.t, b, f.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	_, body := postForm(f.t, b, f.ts.URL+"/oauth2/authorize", url.Values{
		"request_id": {requestID(f.t, page)}, "login": {testLogin}, "password": {testPassword}, "decision": {"allow"},
	})
	q := callbackQuery(f.t, body)
	if q.Get("state") != state || q.Get("code") == "" {
		f.t.Fatalf("callback query %v, want state %s and a code", q, state)
	}
	return q.Get("code")
}

// token goes through consent and exchange.
func (f *fixture) token() *oauth2.Token {
	f.t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := f.consent(newBrowser(f.t), verifier)
	tok, err := f.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// api calls the API with a bearer token.
func (f *fixture) api(token, path string) (*http.Response, []byte) {
	f.t.Helper()
	return apiCall(f.t, f.ts.URL+path, token, "")
}

func apiCall(t testing.TB, u, token, host string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// page is the checkouts envelope as a client reads it.
type page struct {
	Timestamp      string     `json:"timestamp"`
	NextBatchSince string     `json:"next_batch_since"`
	LastUpdatedAt  *string    `json:"last_updated_at"`
	NextURL        *string    `json:"next-url"`
	Checkouts      []checkout `json:"checkouts"`
}

type checkout struct {
	ID        int64   `json:"id"`
	GUID      string  `json:"guid"`
	AccountID int64   `json:"account_id"`
	Status    string  `json:"status"`
	Price     string  `json:"price"`
	Change    string  `json:"change"`
	PaidAt    string  `json:"paid_at"`
	ClosedAt  *string `json:"closed_at"`
	DeletedAt *string `json:"deleted_at"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	SalesDate string  `json:"sales_date"`
	DeviceID  string  `json:"device_id"`
	CashierID *int64  `json:"cashier_id"`
	Payments  []struct {
		PaymentTypeID int64  `json:"payment_type_id"`
		Amount        string `json:"amount"`
	} `json:"payments"`
	Items []struct {
		Count int    `json:"count"`
		Sales string `json:"sales"`
	} `json:"items"`
}

func decodePage(t testing.TB, b []byte) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("checkouts body: %v\n%s", err, b)
	}
	return p
}

// yen reads a money string such as "19720.0".
func yen(t testing.TB, s string) int64 {
	t.Helper()
	whole, ok := strings.CutSuffix(s, ".0")
	if !ok {
		t.Fatalf("money %q does not end in .0", s)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return n
}

func utc(t time.Time) string { return t.UTC().Format(stampLayout) }

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// reasons decodes the API's error body and returns its reasons.
func reasons(t testing.TB, b []byte) []string {
	t.Helper()
	var rs []reason
	if err := json.Unmarshal(b, &rs); err != nil || len(rs) == 0 {
		t.Fatalf("error body is not [{\"reason\":...}]: %v\n%s", err, b)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Reason
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
