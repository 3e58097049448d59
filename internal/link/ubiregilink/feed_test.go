package ubiregilink

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
	simubiregi "github.com/poslink/poslink/internal/sim/ubiregi"
	"github.com/poslink/poslink/internal/tenancy"
)

// feedFixture is a linked Ubiregi account whose registers have sold for
// days, the simulator behind a proxy that can spoil its answers, and the
// service reading it.
type feedFixture struct {
	ctx    context.Context
	clock  *simclock.Clock
	sim    *simubiregi.Server
	ts     *httptest.Server
	links  *link.Store
	svc    *Service
	tenant int64
	acct   simubiregi.Account
	conn   link.Connection
	// spoil, when set, rewrites the body of every checkouts answer.
	spoil atomic.Pointer[func([]byte) []byte]
}

// feedNow is a Monday, 12:00 in Tokyo: registers busy.
var feedNow = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

func newFeedFixture(tb testing.TB, devices int, history time.Duration) *feedFixture {
	tb.Helper()
	pool := dbtest.New(tb)
	f := &feedFixture{ctx: context.Background(), clock: simclock.NewFrozen(feedNow)}
	f.sim = simubiregi.New(simubiregi.Config{Seed: 5, Clock: f.clock})
	f.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		spoil := f.spoil.Load()
		if spoil == nil || !strings.Contains(r.URL.Path, "/checkouts") {
			f.sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		f.sim.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write((*spoil)(rec.Body.Bytes()))
	}))
	tb.Cleanup(f.ts.Close)
	if err := f.sim.RegisterClient(simubiregi.Client{ID: clientID, Secret: clientSecret, RedirectURIs: []string{callback}, Name: "poslink"}); err != nil {
		tb.Fatal(err)
	}
	var err error
	f.acct, err = f.sim.CreateAccount(simubiregi.Account{Login: "feed", Password: "pw-feed", Name: "カフェ", Devices: devices,
		HistoryFrom: feedNow.Add(-history)})
	if err != nil {
		tb.Fatal(err)
	}
	now := f.clock.Now
	ts := tenancy.NewStore(pool, now, time.UTC)
	key, _ := secret.NewKey("k1")
	kr, _ := secret.NewKeyring(key)
	f.links = link.NewStore(pool, kr, ts, now)
	f.svc = New(Config{BaseURL: f.ts.URL, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: callback,
		Timeout: 5 * time.Second, Now: now}, f.links)
	tenant, err := ts.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "A"})
	if err != nil {
		tb.Fatal(err)
	}
	f.tenant = tenant.ID
	tok, err := f.sim.IssueToken(clientID, f.acct.ID)
	if err != nil {
		tb.Fatal(err)
	}
	cr := newCredentials(ubiregi.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		ExpiresIn: time.Duration(tok.ExpiresIn) * time.Second}, now())
	f.conn, err = f.links.Save(f.ctx, actor, f.tenant, link.ConnectionInput{Provider: link.Ubiregi,
		ExternalID: strconv.FormatInt(f.acct.ID, 10), Name: f.acct.Name, AuthKind: link.OAuth2,
		Credentials: cr, AccessExpiresAt: cr.Expiry})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func (f *feedFixture) feed(tb testing.TB) pos.Feed {
	tb.Helper()
	fd, err := f.svc.Feed(f.ctx, f.tenant, f.conn.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return fd
}

// truthCheckout is a checkout as the simulator shows it now, read
// without the feed.
type truthCheckout struct {
	Status    string `json:"status"`
	UpdatedAt string `json:"updated_at"`
	PaidAt    string `json:"paid_at"`
	DeviceID  string `json:"device_id"`
	Raw       json.RawMessage
}

// truth reads every checkout updated since, straight from the simulator
// with a grant of its own: what the feed must have delivered last.
func (f *feedFixture) truth(tb testing.TB, since time.Time) map[string]truthCheckout {
	tb.Helper()
	tok, err := f.sim.IssueToken(clientID, f.acct.ID)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]truthCheckout{}
	u := "/api/3/accounts/current/checkouts?" + url.Values{"since": {since.UTC().Format(time.RFC3339)}}.Encode()
	for u != "" {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		rec := httptest.NewRecorder()
		f.sim.ServeHTTP(rec, req)
		if rec.Code != 200 {
			tb.Fatalf("%s: %d %s", u, rec.Code, rec.Body)
		}
		var page struct {
			Next      *string           `json:"next-url"`
			Checkouts []json.RawMessage `json:"checkouts"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			tb.Fatal(err)
		}
		for _, raw := range page.Checkouts {
			var c struct {
				ID int64 `json:"id"`
				truthCheckout
			}
			if err := json.Unmarshal(raw, &c); err != nil {
				tb.Fatal(err)
			}
			c.Raw = raw
			out[strconv.FormatInt(c.ID, 10)] = c.truthCheckout
		}
		u = ""
		if page.Next != nil {
			nu, _ := url.Parse(*page.Next)
			u = nu.RequestURI()
		}
	}
	return out
}

// syncAll runs Changes until the feed has nothing more now, keeping the last
// delivery of each transaction, and returns the cursor and how many pages
// it took.
func syncAll(tb testing.TB, fd pos.Feed, cursor string, since time.Time, got map[string]pos.Transaction) (string, int) {
	tb.Helper()
	for pages := 1; ; pages++ {
		p, err := fd.Changes(context.Background(), cursor, since)
		if err != nil {
			tb.Fatalf("page %d: %v", pages, err)
		}
		if p.Cursor == "" {
			tb.Fatal("no cursor")
		}
		for _, t := range p.Transactions {
			got[t.ID] = t
		}
		cursor = p.Cursor
		if !p.More {
			return cursor, pages
		}
		if pages > 10_000 {
			tb.Fatal("the feed never ends")
		}
	}
}

// kindOf is the kind a checkout's status must become.
var kindOf = map[string]pos.Kind{"close": pos.Payment, "cancel": pos.Cancel, "delete": pos.Delete}

// sameAsTruth checks that got holds exactly the checkouts of truth, each
// in its last state, as the dashboard must show them.
func (f *feedFixture) sameAsTruth(t *testing.T, got map[string]pos.Transaction, truth map[string]truthCheckout) {
	t.Helper()
	devices, err := f.svc.Terminals(f.ctx, f.tenant, f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, d := range devices {
		keys[d.Key] = true
	}
	for id, c := range truth {
		tx, ok := got[id]
		switch {
		case !ok:
			t.Fatalf("checkout %s (%s, updated %s) never delivered", id, c.Status, c.UpdatedAt)
		case !bytes.Equal(tx.Raw, c.Raw):
			t.Fatalf("checkout %s: last delivery is not its last state:\n got  %s\n want %s", id, tx.Raw, c.Raw)
		case tx.Kind != kindOf[c.Status]:
			t.Fatalf("checkout %s: status %s became %s", id, c.Status, tx.Kind)
		case !keys[tx.TerminalKey]:
			t.Fatalf("checkout %s: terminal key %q is none of the account's devices", id, tx.TerminalKey)
		case tx.SoldAt.Location().String() != "Asia/Tokyo" || tx.SoldAt.UTC().Format(time.RFC3339) != c.PaidAt:
			t.Fatalf("checkout %s: sold at %v, paid_at %s", id, tx.SoldAt, c.PaidAt)
		case tx.UpdatedAt.UTC().Format(time.RFC3339) != c.UpdatedAt:
			t.Fatalf("checkout %s: updated %v, updated_at %s", id, tx.UpdatedAt, c.UpdatedAt)
		}
		if tx.Kind != pos.Delete || tx.Deposit != 0 {
			if tx.Deposit != tx.Total+tx.Change || tx.Staff == "" || tx.PaymentMethod == "" || tx.Total <= 0 {
				t.Fatalf("checkout %s: total %d deposit %d change %d staff %q method %q", id, tx.Total, tx.Deposit, tx.Change, tx.Staff, tx.PaymentMethod)
			}
		}
	}
	for id := range got {
		if _, ok := truth[id]; !ok {
			t.Fatalf("delivered %s, which Ubiregi does not have", id)
		}
	}
}

// A new link reads days of history page by page: every checkout arrives,
// in its last state, and the dashboard's fields are filled in.
func TestFeedFullSync(t *testing.T) {
	f := newFeedFixture(t, 4, 4*24*time.Hour)
	start := f.acct.HistoryFrom
	got := map[string]pos.Transaction{}
	cursor, pages := syncAll(t, f.feed(t), "", start, got)
	truth := f.truth(t, start)
	f.sameAsTruth(t, got, truth)
	kinds := map[pos.Kind]int{}
	for _, tx := range got {
		kinds[tx.Kind]++
	}
	if len(truth) < 1000 || pages < 10 || kinds[pos.Cancel] == 0 || kinds[pos.Delete] == 0 {
		t.Fatalf("not days of history: %d checkouts on %d pages, %v", len(truth), pages, kinds)
	}
	// Caught up, the next poll reads only the last minutes again.
	p, err := f.feed(t).Changes(f.ctx, cursor, start)
	if err != nil || p.More || len(p.Transactions) > 30 {
		t.Fatalf("the poll after catching up: %d transactions, more %v, %v", len(p.Transactions), p.More, err)
	}
	t.Logf("%d checkouts on %d pages: %v", len(truth), pages, kinds)
}

// Checkouts cancelled or edited while the pages of a window are read come
// again in a later window with their new state: nothing read before the
// change stays as it was, and nothing is skipped.
func TestFeedChangesWhilePaging(t *testing.T) {
	f := newFeedFixture(t, 8, 2*24*time.Hour)
	fd := f.feed(t)
	since := feedNow.Add(-2 * time.Hour)
	p, err := fd.Changes(f.ctx, "", since)
	if err != nil || !p.More || len(p.Transactions) != ubiregi.PageSize {
		t.Fatalf("first page: %d, more %v, %v", len(p.Transactions), p.More, err)
	}
	first := map[string]pos.Transaction{}
	got := map[string]pos.Transaction{}
	for _, tx := range p.Transactions {
		first[tx.ID], got[tx.ID] = tx, tx
	}
	// Two hours pass between the first page and the rest: some of the
	// first page's sales are cancelled, edited or deleted meanwhile. Then
	// the rest of the window is read, and the windows after it.
	f.clock.Advance(2 * time.Hour)
	cursor, _ := syncAll(t, fd, p.Cursor, since, got)
	syncAll(t, fd, cursor, since, got)
	f.sameAsTruth(t, got, f.truth(t, since))
	changed := 0
	for id, tx := range first {
		if !bytes.Equal(got[id].Raw, tx.Raw) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("no sale of the first page changed: the test proves nothing")
	}
	t.Logf("%d of the first page's sales came again changed", changed)
}

// Present lists every checkout sold in the range, deleted ones included.
func TestFeedPresent(t *testing.T) {
	f := newFeedFixture(t, 3, 4*24*time.Hour)
	from, to := feedNow.Add(-72*time.Hour), feedNow
	ids, err := f.feed(t).Present(f.ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for id, c := range f.truth(t, f.acct.HistoryFrom) {
		paid, _ := time.Parse(time.RFC3339, c.PaidAt)
		if paid.Before(from) || !paid.Before(to) {
			continue
		}
		n++
		if !ids[id] {
			t.Fatalf("checkout %s sold at %s (%s) is not present", id, c.PaidAt, c.Status)
		}
	}
	if n < 500 {
		t.Fatalf("only %d checkouts sold in three days", n)
	}
}

// An answer that is not the API's fails the fetch as Malformed, saying
// what was wrong; no transaction of the page comes back.
func TestFeedMalformed(t *testing.T) {
	cases := map[string]struct {
		spoil  func([]byte) []byte
		reason string
	}{
		"truncated": {func(b []byte) []byte { return b[:len(b)/2] }, "not the API's JSON"},
		"wrong type": {func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"price":"`), []byte(`"price":1,"x":"`), 1)
		}, "price"},
		"missing field": {func(b []byte) []byte { return bytes.Replace(b, []byte(`"device_id":`), []byte(`"device":`), 1) }, "no device_id"},
		"negative total": {func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"price":"`), []byte(`"price":"-`), 1)
		}, "negative price"},
		"year 9999": {func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"paid_at":"`)) + len(`"paid_at":"`)
			return append(append(b[:i:i], "9999"...), b[i+4:]...)
		}, "not a plausible time"},
		"too many": {func(b []byte) []byte {
			var env map[string]json.RawMessage
			_ = json.Unmarshal(b, &env)
			var cs []json.RawMessage
			_ = json.Unmarshal(env["checkouts"], &cs)
			env["checkouts"], _ = json.Marshal(append(cs, cs...))
			out, _ := json.Marshal(env)
			return out
		}, "checkouts on a page of 100"},
	}
	f := newFeedFixture(t, 2, 2*24*time.Hour)
	fd := f.feed(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			spoil := tc.spoil
			f.spoil.Store(&spoil)
			defer f.spoil.Store(nil)
			p, err := fd.Changes(f.ctx, "", f.acct.HistoryFrom)
			e, ok := pos.AsError(err)
			if !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, tc.reason) {
				t.Fatalf("error %v, want Malformed saying %q", err, tc.reason)
			}
			if len(p.Transactions) != 0 || p.Cursor != "" {
				t.Fatalf("a failed page returned %d transactions, cursor %q", len(p.Transactions), p.Cursor)
			}
		})
	}
	if _, err := fd.Changes(f.ctx, "", f.acct.HistoryFrom); err != nil {
		t.Fatalf("unspoiled: %v", err)
	}
}

// A 429 is RateLimited with the wait Ubiregi asked for.
func TestFeedRateLimited(t *testing.T) {
	f := newFeedFixture(t, 2, 24*time.Hour)
	f.sim.Faults().Burst(1, 7*time.Second)
	_, err := f.feed(t).Changes(f.ctx, "", f.acct.HistoryFrom)
	if e, ok := pos.AsError(err); !ok || e.Class != pos.RateLimited || e.RetryAfter != 7*time.Second {
		t.Fatalf("error %v, want RateLimited after 7s", err)
	}
	f.sim.Faults().Set(fault.Settings{})
}

// A grant the owner revoked at Ubiregi: the feed fails CredentialsRefused
// and the link is 要再認証, as the pages' refresh would have it.
func TestFeedRevokedGrant(t *testing.T) {
	f := newFeedFixture(t, 2, 24*time.Hour)
	fd := f.feed(t)
	p, err := fd.Changes(f.ctx, "", f.acct.HistoryFrom)
	if err != nil {
		t.Fatal(err)
	}
	f.sim.RevokeAccount(f.acct.ID)
	_, err = fd.Changes(f.ctx, p.Cursor, f.acct.HistoryFrom)
	if e, ok := pos.AsError(err); !ok || e.Class != pos.CredentialsRefused || e.Reason != ubiregi.ReasonInvalidGrant {
		t.Fatalf("error %v, want CredentialsRefused invalid_grant", err)
	}
	c, err := f.links.Connection(f.ctx, f.tenant, f.conn.ID)
	if err != nil || c.Status != link.ReauthRequired {
		t.Fatalf("connection %s, %v; want 要再認証", c.Status, err)
	}
	// And it stays refused without asking Ubiregi again.
	if _, err := fd.Present(f.ctx, feedNow.Add(-time.Hour), feedNow); pos.ClassOf(err) != pos.CredentialsRefused {
		t.Fatalf("after 要再認証: %v", err)
	}
}

// An expired access token is refreshed on the way, once.
func TestFeedRefreshesAToken(t *testing.T) {
	f := newFeedFixture(t, 2, 24*time.Hour)
	fd := f.feed(t)
	cursor, _ := syncAll(t, fd, "", f.acct.HistoryFrom, map[string]pos.Transaction{})
	f.clock.Advance(25 * time.Hour)
	got := map[string]pos.Transaction{}
	if _, _ = syncAll(t, fd, cursor, f.acct.HistoryFrom, got); len(got) == 0 {
		t.Fatal("nothing sold in a day")
	}
	c, err := f.links.Connection(f.ctx, f.tenant, f.conn.ID)
	if err != nil || c.Status != link.Active || c.CredentialsVersion != 2 {
		t.Fatalf("after a day: %s, credentials version %d, %v", c.Status, c.CredentialsVersion, err)
	}
}

// BenchmarkFeedMinute is one minute of a busy shop's checkouts for one
// connection: the poll of a caught-up feed (credentials read, one page,
// names from the cache).
func BenchmarkFeedMinute(b *testing.B) {
	f := newFeedFixture(b, 4, 24*time.Hour)
	fd, err := f.svc.Feed(f.ctx, f.tenant, f.conn.ID)
	if err != nil {
		b.Fatal(err)
	}
	cursor, _ := syncAll(b, fd, "", feedNow.Add(-time.Hour), map[string]pos.Transaction{})
	n := 0
	b.ResetTimer()
	for b.Loop() {
		f.clock.Advance(time.Minute)
		for {
			p, err := fd.Changes(f.ctx, cursor, feedNow)
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Transactions)
			cursor = p.Cursor
			if !p.More {
				break
			}
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "tx/op")
}

// A cursor not of this feed is the caller's bug, not Ubiregi's failure;
// a feed started without a start reads the whole history, page by page.
func TestFeedCursors(t *testing.T) {
	f := newFeedFixture(t, 2, 2*24*time.Hour)
	fd := f.feed(t)
	for _, c := range []string{"{", `{"since":"2026-11-01T00:00:00Z","glb":5}`, `{"glb":-1}`} {
		if _, err := fd.Changes(f.ctx, c, feedNow); err == nil || pos.ClassOf(err) != 0 {
			t.Errorf("cursor %s: %v", c, err)
		}
	}
	got := map[string]pos.Transaction{}
	syncAll(t, fd, "", time.Time{}, got)
	f.sameAsTruth(t, got, f.truth(t, f.acct.HistoryFrom))
}
