package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/tenancy"
)

// register is a fake POS account whose sales a test rings up.
type register struct {
	mu    sync.Mutex
	sales []pos.Transaction
}

func (r *register) ring(id string, total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Now().Add(-time.Second).Truncate(time.Second)
	r.sales = append(r.sales, pos.Transaction{ID: id, TerminalKey: "r1", SoldAt: at, Kind: pos.Payment, Total: total,
		Deposit: total + 1000, Change: 1000, ReceiptNo: "R-" + id, Staff: "佐藤", UpdatedAt: at, Raw: json.RawMessage(`{}`)})
}

// cancel re-delivers the sale id as cancelled, as a POS does when it is
// cancelled after it was first delivered.
func (r *register) cancel(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sales {
		if s.ID == id {
			s.Kind, s.UpdatedAt = pos.Cancel, time.Now()
			r.sales = append(r.sales, s)
			return
		}
	}
	panic("no sale " + id)
}

func (r *register) Changes(_ context.Context, cursor string, _ time.Time) (pos.Page, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, _ := strconv.Atoi(cursor)
	return pos.Page{Transactions: r.sales[n:], Cursor: strconv.Itoa(len(r.sales))}, nil
}

func (r *register) Present(context.Context, time.Time, time.Time) (map[string]bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for _, s := range r.sales {
		out[s.ID] = true
	}
	return out, nil
}

// liveShop is a tenant with an owner and a camera fed by a register.
type liveShop struct {
	tenant, camera int64
	email          string
	reg            *register
}

// liveFixture is one database with two shops, and the feeds of their
// registers by connection.
type liveFixture struct {
	dbURL  string
	keys   string
	mu     sync.Mutex
	byConn map[int64]*register
}

func (fx *liveFixture) feeds() poller.Feeds {
	return poller.Feeds{link.Smaregi: func(_ context.Context, _, conn int64) (pos.Feed, error) {
		fx.mu.Lock()
		defer fx.mu.Unlock()
		return fx.byConn[conn], nil
	}}
}

// instance serves a portal on the fixture's database with a one-second
// read and write timeout; polling makes it run the poller. stop shuts it
// down and says how long Serve took to return.
func (fx *liveFixture) instance(t *testing.T, polling bool) (a *app.App, base string, stop func() time.Duration) {
	t.Helper()
	env := map[string]string{"DATABASE_URL": fx.dbURL, "POSLINK_SECRET_KEYS": fx.keys, "POSLINK_POLL_INTERVAL": "1s",
		"POSLINK_POLLER": strconv.FormatBool(polling)}
	a, err := app.Open(t.Context(), testConfig(t, env), slog.New(slog.DiscardHandler),
		app.Options{Feeds: fx.feeds(), ReadTimeout: time.Second, WriteTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			start := time.Now()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
			took = time.Since(start)
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return a, "http://" + ln.Addr().String(), stop
}

func (fx *liveFixture) shop(t *testing.T, a *app.App, n int) liveShop {
	t.Helper()
	ctx, actor := t.Context(), audit.Actor{Label: "test"}
	tn, err := a.Tenancy.CreateTenant(ctx, actor, tenancy.TenantInput{Name: fmt.Sprintf("Shop %d", n)})
	if err != nil {
		t.Fatal(err)
	}
	s := liveShop{tenant: tn.ID, email: fmt.Sprintf("owner%d@example.com", n), reg: &register{}}
	if _, err := a.Tenancy.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: s.email, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	cam, err := a.Tenancy.CreateCamera(ctx, actor, tn.ID, tenancy.CameraInput{DeviceID: fmt.Sprintf("cam%d", n), Name: "レジ前"})
	if err != nil {
		t.Fatal(err)
	}
	s.camera = cam.ID
	if err := a.Tenancy.SetPOSOption(ctx, actor, tn.ID, cam.ID, true, a.Tenancy.Today().AddDate(0, 0, -4)); err != nil {
		t.Fatal(err)
	}
	c, err := a.Links.Save(ctx, actor, tn.ID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: fmt.Sprintf("sk%d", n),
		AuthKind: link.ClientCredentials, Credentials: map[string]string{"client_secret": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	fx.mu.Lock()
	fx.byConn[c.ID] = s.reg
	fx.mu.Unlock()
	if err := a.Links.Bind(ctx, actor, tn.ID, c.ID, link.Terminal{Key: "r1", Name: "レジ1"}, cam.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}
	return s
}

// login returns a client with the owner's session; sessions are in the
// database, so it is good on every instance.
func login(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/cameras" {
		t.Fatalf("login ended at %s (%d)", res.Request.URL.Path, res.StatusCode)
	}
	return c
}

// sseEvent is one event of a stream as a browser parses it.
type sseEvent struct {
	id, event, data string
}

// stream is an open event stream; events arrive on its channel, which is
// closed when the stream ends.
type stream struct {
	events chan sseEvent
	cancel context.CancelFunc
	// first is the id the stream sent before any event.
	first string
}

func openStream(t *testing.T, c *http.Client, u, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &stream{events: make(chan sseEvent, 100), cancel: cancel}
	sc := bufio.NewScanner(res.Body)
	var ev sseEvent
	for sc.Scan() && sc.Text() != "" {
		if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			s.first = v
		}
	}
	go func() {
		defer close(s.events)
		defer res.Body.Close()
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return s
}

// next is the stream's next transaction; it fails the test after 30 s.
func (s *stream) next(t *testing.T) map[string]any {
	t.Helper()
	m, _ := s.nextEvent(t)
	return m
}

// nextEvent is the stream's next transaction and the event's id: its
// place in the change order, the transaction's ID while it is unchanged,
// a later place once it has changed.
func (s *stream) nextEvent(t *testing.T) (map[string]any, string) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.data), &m); err != nil || ev.event != "transaction" {
			t.Fatalf("event %+v: %v", ev, err)
		}
		if (m["revision"] == 1.0) != (ev.id == fmt.Sprint(m["id"])) {
			t.Errorf("event id %s, transaction %v of revision %v", ev.id, m["id"], m["revision"])
		}
		return m, ev.id
	case <-time.After(30 * time.Second):
		t.Fatal("no event in 30 s")
		return nil, ""
	}
}

// The test: two portal instances on one database, each with its
// own listener; the poller of one stores a sale, and the owner's streams
// on both deliver it, past the servers' one-second write timeout, never
// another tenant's; a stream resumed after its last event gets exactly
// what it missed; a sale cancelled after it was delivered comes again on
// both as キャンセル, and once more only to a stream that missed it;
// another tenant's camera is not found; shutdown ends the streams at
// once.
func TestLiveStreamAcrossTwoInstances(t *testing.T) {
	key, _ := secret.NewKey("k1")
	fx := &liveFixture{dbURL: dbtest.NewURL(t), keys: secret.Format(key), byConn: map[int64]*register{}}
	a, baseA, stopA := fx.instance(t, true)
	_, baseB, stopB := fx.instance(t, false)
	mine, theirs := fx.shop(t, a, 1), fx.shop(t, a, 2)
	owner := login(t, baseA, mine.email)
	events := func(base string, s liveShop) string { return fmt.Sprintf("%s/cameras/%d/events", base, s.camera) }

	if res, err := owner.Get(events(baseB, theirs)); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant's camera: %v %v", res.StatusCode, err)
	}
	for _, bad := range []string{"?after=-1", "?after=x", "?after=1e3"} {
		if res, err := owner.Get(events(baseA, mine) + bad); err != nil || res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %v %v", bad, res.StatusCode, err)
		}
	}

	onA, onB := openStream(t, owner, events(baseA, mine), ""), openStream(t, owner, events(baseB, mine), "")
	// Longer than the servers' write and read timeouts.
	time.Sleep(1500 * time.Millisecond)
	theirs.reg.ring("t-1", 999)
	mine.reg.ring("m-1", 1200)
	for name, s := range map[string]*stream{"A": onA, "B": onB} {
		got := s.next(t)
		soldAt, _ := time.Parse(time.RFC3339, fmt.Sprint(got["sold_at"]))
		if got["receipt_no"] != "R-m-1" || got["total"] != 1200.0 || got["deposit"] != 2200.0 || got["change"] != 1000.0 ||
			got["kind"] != "payment" || got["terminal_name"] != "レジ1" || got["staff"] != "佐藤" || soldAt.IsZero() {
			t.Errorf("instance %s streamed %v", name, got)
		}
	}
	// Their sale is stored by now or soon; ours after it must be next.
	waitFor(t, a, `SELECT count(*) = 2 FROM pos_transactions`)
	mine.reg.ring("m-2", 1300)
	var lastB string
	for name, s := range map[string]*stream{"A": onA, "B": onB} {
		got := s.next(t)
		if got["receipt_no"] != "R-m-2" {
			t.Errorf("instance %s streamed %v, want our second sale", name, got)
		}
		if name == "B" {
			lastB = fmt.Sprint(got["id"])
		}
	}

	// B's stream breaks; two sales meanwhile; the browser resumes after
	// its last event and gets exactly those.
	onB.cancel()
	mine.reg.ring("m-3", 1400)
	mine.reg.ring("m-4", 1500)
	onA.next(t)
	onA.next(t)
	resumed := openStream(t, owner, events(baseB, mine), lastB)
	for _, want := range []string{"R-m-3", "R-m-4"} {
		got, id := resumed.nextEvent(t)
		if got["receipt_no"] != want {
			t.Errorf("resumed stream: %v, want %s", got, want)
		}
		lastB = id
	}
	noMore := func(s *stream) {
		t.Helper()
		select {
		case ev := <-s.events:
			t.Errorf("the stream sent more: %+v", ev)
		case <-time.After(500 * time.Millisecond):
		}
	}
	noMore(resumed)

	// m-2 is cancelled at the register after both streams delivered it.
	mine.reg.cancel("m-2")
	lastN, _ := strconv.ParseInt(lastB, 10, 64)
	var m2 any
	for name, s := range map[string]*stream{"A": onA, "B": resumed} {
		got, id := s.nextEvent(t)
		if got["receipt_no"] != "R-m-2" || got["kind"] != "cancel" || got["revision"] != 2.0 || got["total"] != 1300.0 {
			t.Errorf("instance %s streamed %v, want m-2 cancelled", name, got)
		}
		if n, _ := strconv.ParseInt(id, 10, 64); n <= lastN {
			t.Errorf("instance %s placed the cancel at %s, not after %s", name, id, lastB)
		}
		m2 = got["id"]
	}
	// B's stream breaks again before the cancel: resumed, it gets the
	// cancel once.
	resumed.cancel()
	again := openStream(t, owner, events(baseB, mine), lastB)
	if got := again.next(t); got["id"] != m2 || got["kind"] != "cancel" {
		t.Errorf("the stream resumed after %s got %v, want the cancel of %v", lastB, got, m2)
	}
	noMore(again)
	noMore(onA)
	resumed = again

	// Shutdown ends the open streams: Serve returns long before the
	// shutdown timeout (15 s).
	if took := stopB(); took > 5*time.Second {
		t.Errorf("shutdown with an open stream took %s", took)
	}
	if _, ok := <-resumed.events; ok {
		t.Error("the stream outlived its server")
	}
	stopA()
	if _, ok := <-onA.events; ok {
		t.Error("the stream outlived its server")
	}
}

func waitFor(t *testing.T, a *app.App, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if err := a.Pool.QueryRow(t.Context(), cond).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not in 30 s: %s", cond)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
