package poller

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/ubiregi"
	"github.com/poslink/poslink/internal/sim/shop"
)

// fastClock is a providers' clock running speed times faster than real
// time from base until frozen.
type fastClock struct {
	base, start time.Time
	speed       int64
	frozen      atomic.Pointer[time.Time]
}

func newFastClock(speed int64) *fastClock {
	return &fastClock{base: time.Now().Truncate(time.Second), start: time.Now(), speed: speed}
}

func (c *fastClock) now() time.Time {
	if t := c.frozen.Load(); t != nil {
		return *t
	}
	return c.base.Add(time.Since(c.start) * time.Duration(c.speed))
}

func (c *fastClock) freeze() time.Time {
	t := c.now()
	c.frozen.Store(&t)
	return t
}

// lunchtime is the shift that puts t at noon in Tokyo, so that the shops
// sell whenever the test runs.
func lunchtime(t time.Time) time.Duration {
	y, m, d := t.In(shop.Tokyo).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, shop.Tokyo).Sub(t)
}

type pollState struct {
	failures                        int
	stopped                         bool
	due, lastAttempt, lastOK, errAt *time.Time
	lastError                       []byte
}

func (f *fixture) state(t testing.TB, connID int64) pollState {
	t.Helper()
	var s pollState
	must(t, f.pool.QueryRow(f.ctx, `SELECT failures, stopped_at IS NOT NULL, nullif(due_at, 'infinity'), last_attempt_at, last_ok_at,
		last_error_at, last_error FROM poll_states WHERE connection_id = $1`, connID).
		Scan(&s.failures, &s.stopped, &s.due, &s.lastAttempt, &s.lastOK, &s.errAt, &s.lastError))
	return s
}

func (s pollState) errorText() string {
	var se storedError
	_ = json.Unmarshal(s.lastError, &se)
	return se.Text
}

// Ten minutes of the provider answering 503, then recovery: the poller
// backs off exponentially (far fewer calls than one per interval), then
// catches up without a gap.
func TestOutageBacksOffAndCatchesUp(t *testing.T) {
	clock := newFastClock(60) // ten simulated minutes take ten seconds
	f := newFixture(t, clock.now)
	f.fake.shift = lunchtime(clock.base)
	conn := f.connect(t, link.Smaregi, "c1", 3, "1:1", "1:2", "1:3")
	for _, k := range []string{"1:1", "1:2", "1:3"} {
		f.bind(t, conn.ID, k, f.camA.ID)
	}
	var outage struct {
		sync.Mutex
		from, to time.Time
	}
	f.fake.fault = func(_ int64, op string) error {
		outage.Lock()
		defer outage.Unlock()
		if now := clock.now(); !now.Before(outage.from) && now.Before(outage.to) {
			return &pos.Error{Provider: "smaregi", Op: op, Class: pos.Unavailable, Status: 503, Detail: "Service Unavailable"}
		}
		return nil
	}
	cfg := testConfig(clock.now)
	cfg.BackoffBase, cfg.BackoffMax = 100*time.Millisecond, 1600*time.Millisecond
	f.start(t, cfg)
	waitFor(t, "the backfill", func() bool { return f.state(t, conn.ID).lastOK != nil })

	outage.Lock()
	outage.from = clock.now()
	outage.to = outage.from.Add(10 * time.Minute)
	outage.Unlock()
	waitFor(t, "the outage", func() bool { return clock.now().After(outage.to) })
	during := f.state(t, conn.ID)
	time.Sleep(2 * time.Second)
	end := clock.freeze()
	waitFor(t, "the catch-up", func() bool { return f.caughtUp(t, conn.ID, end) })
	f.checkCaughtUp(t, conn.ID, end)

	var failed []fakeCall
	for _, c := range f.fake.callsOf(conn.ID, "changes") {
		if c.err != nil {
			failed = append(failed, c)
		}
	}
	// Without backoff: one call per 200 ms interval, 50 in ten seconds.
	if len(failed) < 4 || len(failed) > 15 {
		t.Errorf("%d calls failed during the outage; want a handful (exponential backoff)", len(failed))
	}
	for k := 1; k < len(failed); k++ {
		least := min(cfg.BackoffBase<<(k-1), cfg.BackoffMax) / 2
		if gap := failed[k].at.Sub(failed[k-1].at); gap < least {
			t.Errorf("failure %d came %v after the one before, less than the backoff's least %v", k+1, gap, least)
		}
	}
	if during.failures < 4 || !strings.Contains(during.errorText(), "unavailable") {
		t.Errorf("during the outage the poll state says %d failures, %q", during.failures, during.errorText())
	}
	if after := f.state(t, conn.ID); after.failures != 0 || !after.lastOK.After(*after.errAt) {
		t.Errorf("after the recovery: %d failures, last ok %v, last error %v", after.failures, after.lastOK, after.errAt)
	}
}

// A 429 is waited out for at least its Retry-After.
func TestRateLimitHonoursRetryAfter(t *testing.T) {
	f := newFixture(t, time.Now)
	conn := f.connect(t, link.Smaregi, "c1", 3, "1:1")
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	var limited atomic.Bool
	f.fake.fault = func(_ int64, op string) error {
		if limited.CompareAndSwap(true, false) {
			return &pos.Error{Provider: "smaregi", Op: op, Class: pos.RateLimited, Status: 429, RetryAfter: 2 * time.Second}
		}
		return nil
	}
	f.start(t, testConfig(time.Now))
	waitFor(t, "the backfill", func() bool { return f.state(t, conn.ID).lastOK != nil })
	limited.Store(true)
	waitFor(t, "the 429", func() bool { return f.state(t, conn.ID).failures == 1 })
	st := f.state(t, conn.ID)
	if wait := st.due.Sub(*st.lastAttempt); wait < 2*time.Second {
		t.Errorf("due %v after the 429, want at least its Retry-After 2s", wait)
	}
	waitFor(t, "the poll after the 429", func() bool { return f.state(t, conn.ID).failures == 0 })
	calls := f.fake.callsOf(conn.ID, "changes")
	for i := 1; i < len(calls); i++ {
		var pe *pos.Error
		if errors.As(calls[i-1].err, &pe) && pe.Class == pos.RateLimited {
			if gap := calls[i].at.Sub(calls[i-1].at); gap < 2*time.Second {
				t.Errorf("called again %v after a 429 with Retry-After 2s", gap)
			}
			return
		}
	}
	t.Fatal("no 429 in the calls")
}

// Refused credentials stop the polling of the connection (Smaregi: エラー
// with the reason; Ubiregi: 要再認証) with no storm of calls; new
// credentials make it due at once.
func TestRefusedCredentialsStopPolling(t *testing.T) {
	for _, tc := range []struct {
		provider link.Provider
		refusal  *pos.Error
		state    State
		message  string
	}{
		{link.Smaregi, &pos.Error{Provider: "smaregi", Op: "app token", Class: pos.CredentialsRefused, Status: 401, Reason: "credentials"},
			StateError, "smaregi.err.stored_credentials"},
		{link.Ubiregi, &pos.Error{Provider: "ubiregi", Op: "refresh", Class: pos.CredentialsRefused, Status: 400, Reason: ubiregi.ReasonInvalidGrant},
			StateReauthRequired, "err.ubiregi_reauth"},
	} {
		t.Run(string(tc.provider), func(t *testing.T) {
			f := newFixture(t, time.Now)
			conn := f.connect(t, tc.provider, "acct", 3, "r1")
			f.bind(t, conn.ID, "r1", f.camA.ID)
			var refuse atomic.Bool
			f.fake.fault = func(int64, string) error {
				if refuse.Load() {
					return tc.refusal
				}
				return nil
			}
			f.start(t, testConfig(time.Now))
			waitFor(t, "the backfill", func() bool { return f.state(t, conn.ID).lastOK != nil })
			refuse.Store(true)
			waitFor(t, "the refusal", func() bool { return f.state(t, conn.ID).failures > 0 })
			calls := len(f.fake.callsOf(conn.ID, ""))
			time.Sleep(time.Second) // five intervals
			if n := len(f.fake.callsOf(conn.ID, "")); n != calls {
				t.Errorf("%d calls after the refusal, want none", n-calls)
			}
			st, err := NewStatusReader(f.pool, time.UTC, time.Now).Status(f.ctx, f.tenant.ID)
			must(t, err)
			s := st[conn.ID]
			ae, _ := apperr.As(s.LastError)
			if s.State != tc.state || s.Polled || !s.Stopped || !s.NextPoll.IsZero() || ae == nil || ae.Key != tc.message ||
				!strings.Contains(s.LastErrorText, "credentials refused") {
				t.Errorf("status after the refusal: %+v (message %v)", s, ae)
			}

			// The owner enters new credentials (or consents again).
			refuse.Store(false)
			_, err = f.links.Save(f.ctx, testActor, f.tenant.ID, link.ConnectionInput{Provider: tc.provider, ExternalID: "acct",
				AuthKind: conn.AuthKind, Credentials: map[string]string{"secret": "new"}})
			must(t, err)
			waitFor(t, "polling again", func() bool { return len(f.fake.callsOf(conn.ID, "")) > calls })
			waitFor(t, "a successful poll", func() bool { return f.state(t, conn.ID).failures == 0 })
			st, err = NewStatusReader(f.pool, time.UTC, time.Now).Status(f.ctx, f.tenant.ID)
			must(t, err)
			if s := st[conn.ID]; s.State != StateActive || !s.Polled || s.Stopped {
				t.Errorf("status after new credentials: %+v", s)
			}
		})
	}
}

// An access token refused is tried once more (the feed gets a new one);
// refused again, it is refused credentials.
func TestTokenRefusedOnceMore(t *testing.T) {
	f := newFixture(t, time.Now)
	once := f.connect(t, link.Smaregi, "once", 3, "r1")
	twice := f.connect(t, link.Smaregi, "twice", 4, "r1")
	f.bind(t, once.ID, "r1", f.camA.ID)
	f.bind(t, twice.ID, "r1", f.camA.ID)
	var refusals sync.Map
	refusals.Store(once.ID, 1)
	refusals.Store(twice.ID, 1000)
	f.fake.fault = func(connID int64, op string) error {
		n, _ := refusals.Load(connID)
		if n.(int) > 0 {
			refusals.Store(connID, n.(int)-1)
			return &pos.Error{Provider: "smaregi", Op: op, Class: pos.TokenRefused, Status: 401}
		}
		return nil
	}
	f.start(t, testConfig(time.Now))
	waitFor(t, "a poll of once", func() bool { return f.state(t, once.ID).lastOK != nil })
	waitFor(t, "twice stopped", func() bool { return f.state(t, twice.ID).stopped })
	if s := f.state(t, once.ID); s.failures != 0 || s.errAt != nil {
		t.Errorf("a token refused once failed the poll: %+v", s)
	}
	if n := len(f.fake.callsOf(twice.ID, "")); n != 2 {
		t.Errorf("%d calls for a token refused every time, want 2", n)
	}
}

// Every malformed page stores nothing of itself, says why and backs off;
// once the provider answers properly, everything is stored.
func TestMalformedPageStoresNothing(t *testing.T) {
	now := time.Now()
	good := pos.Transaction{ID: "bad", TerminalKey: "r1", SoldAt: now.Add(-time.Minute), Kind: pos.Payment, Total: 100,
		UpdatedAt: now.Add(-time.Minute), Raw: json.RawMessage(`{}`)}
	bad := func(change func(*pos.Transaction)) *pos.Transaction {
		tx := good
		change(&tx)
		return &tx
	}
	cases := []struct {
		name   string
		record *pos.Transaction
		err    error
		reason string
	}{
		{"year 9999", bad(func(t *pos.Transaction) { t.SoldAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }), nil, "sale time"},
		{"no time", bad(func(t *pos.Transaction) { t.SoldAt = time.Time{} }), nil, "sale time"},
		{"absurd total", bad(func(t *pos.Transaction) { t.Total = 1 << 60 }), nil, "amounts"},
		{"NUL in staff", bad(func(t *pos.Transaction) { t.Staff = "a\x00b" }), nil, "not text"},
		{"broken UTF-8", bad(func(t *pos.Transaction) { t.PaymentMethod = "\xff" }), nil, "not text"},
		{"no ID", bad(func(t *pos.Transaction) { t.ID = "" }), nil, "the ID"},
		{"unknown kind", bad(func(t *pos.Transaction) { t.Kind = "refund" }), nil, "unknown kind"},
		{"no register", bad(func(t *pos.Transaction) { t.TerminalKey = "" }), nil, "register key"},
		{"raw not JSON", bad(func(t *pos.Transaction) { t.Raw = json.RawMessage(`{"a":`) }), nil, "not JSON"},
		{"raw with NUL", bad(func(t *pos.Transaction) { t.Raw = json.RawMessage(`{"a":"\u0000"}`) }), nil, "not JSON"},
		{"truncated answer", nil, &pos.Error{Provider: "smaregi", Op: "transactions", Class: pos.Malformed,
			Detail: "unexpected end of JSON input"}, "unexpected end of JSON input"},
		{"wrong type", nil, &pos.Error{Provider: "smaregi", Op: "transactions", Class: pos.Malformed,
			Detail: "json: cannot unmarshal string into total of type int"}, "cannot unmarshal"},
	}
	f := newFixture(t, time.Now)
	conns := make([]link.Connection, len(cases))
	var broken sync.Map
	for i := range cases {
		conns[i] = f.connect(t, link.Smaregi, "c"+string(rune('a'+i)), uint64(10+i), "r1")
		f.bind(t, conns[i].ID, "r1", f.camA.ID)
		broken.Store(conns[i].ID, i)
	}
	f.fake.page = func(connID int64, p pos.Page) pos.Page {
		if i, ok := broken.Load(connID); ok && cases[i.(int)].record != nil {
			p.Transactions = append(p.Transactions, *cases[i.(int)].record)
		}
		return p
	}
	f.fake.fault = func(connID int64, _ string) error {
		if i, ok := broken.Load(connID); ok {
			return cases[i.(int)].err
		}
		return nil
	}
	cfg := testConfig(time.Now)
	cfg.BackoffBase = time.Second
	f.start(t, cfg)
	for i, c := range cases {
		waitFor(t, c.name+" failing", func() bool { return f.state(t, conns[i].ID).failures > 0 })
	}
	for i, c := range cases {
		s := f.state(t, conns[i].ID)
		if n := f.count(t, `SELECT count(*) FROM pos_transactions WHERE connection_id = $1`, conns[i].ID); n != 0 {
			t.Errorf("%s: %d transactions stored of a malformed page", c.name, n)
		}
		if !strings.Contains(s.errorText(), c.reason) || !strings.Contains(s.errorText(), "unexpected answer") {
			t.Errorf("%s: the reason kept is %q, want it to say %q", c.name, s.errorText(), c.reason)
		}
		if s.due.Sub(*s.lastAttempt) < cfg.BackoffBase/2 {
			t.Errorf("%s: due again %v after the failure, want a backoff", c.name, s.due.Sub(*s.lastAttempt))
		}
	}
	for i := range cases {
		broken.Delete(conns[i].ID)
	}
	for i, c := range cases {
		waitFor(t, c.name+" recovered", func() bool { return f.state(t, conns[i].ID).failures == 0 })
		if f.count(t, `SELECT count(*) FROM pos_transactions WHERE connection_id = $1`, conns[i].ID) == 0 {
			t.Errorf("%s: nothing stored after the recovery", c.name)
		}
	}
}
