package poller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
)

// crashChildEnv, when set, makes the test binary a poller that a crash
// test kills (see crashChild).
const crashChildEnv = "POSLINK_POLLER_CRASH_CHILD"

// crashScenario is what the killed poller and the test that restarts
// polling share: the same account and clock give the same feed in both
// processes.
type crashScenario struct {
	dbURL            string
	connID, tenantID int64
	now              time.Time
	point            Point
	// nth: the poller dies the nth time it reaches point.
	nth int
	// deadline: a poller that has not reached point by then gives up and
	// says so (the test's own deadline, not a guess at the machine's
	// speed).
	deadline time.Time
}

func (s crashScenario) env() []string {
	return []string{crashChildEnv + "=1", "CRASH_DB=" + s.dbURL, "CRASH_CONN=" + strconv.FormatInt(s.connID, 10),
		"CRASH_TENANT=" + strconv.FormatInt(s.tenantID, 10), "CRASH_NOW=" + strconv.FormatInt(s.now.UnixNano(), 10),
		"CRASH_POINT=" + string(s.point), "CRASH_NTH=" + strconv.Itoa(s.nth),
		"CRASH_DEADLINE=" + strconv.FormatInt(s.deadline.UnixNano(), 10)}
}

func scenarioFromEnv() crashScenario {
	n := func(k string) int64 { v, _ := strconv.ParseInt(os.Getenv(k), 10, 64); return v }
	return crashScenario{dbURL: os.Getenv("CRASH_DB"), connID: n("CRASH_CONN"), tenantID: n("CRASH_TENANT"),
		now: time.Unix(0, n("CRASH_NOW")), point: Point(os.Getenv("CRASH_POINT")), nth: int(n("CRASH_NTH")),
		deadline: time.Unix(0, n("CRASH_DEADLINE"))}
}

// crashDeadline is when the waits of a crash test give up: shortly before
// go test's -timeout would end the whole binary, leaving time to say what
// was awaited; ten minutes from now for a test without a deadline. On a
// loaded machine the pollers are slow, not wrong: no wait guesses how slow.
func crashDeadline(t *testing.T) time.Time {
	d, ok := t.Deadline()
	if !ok {
		return time.Now().Add(10 * time.Minute)
	}
	return d.Add(-time.Until(d) / 20)
}

// awaitBefore polls cond until it holds, failing the test with what
// explain says if it does not by deadline.
func awaitBefore(t testing.TB, deadline time.Time, what string, cond func() bool, explain func() string) {
	t.Helper()
	for !lookedLightly(cond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s %s", what, explain())
		}
	}
}

// feeds are the scenario's account: three registers, 50 transactions a
// page, one transaction edited between two pages and one deleted at the
// provider after it was delivered.
func (s crashScenario) feeds() *fakeFeeds {
	f := newFakeFeeds(func() time.Time { return s.now })
	f.pageSize = 50
	f.add(s.connID, 42, "1:1", "1:2", "1:3")
	early := s.now.Add(-70 * time.Hour)
	f.script(s.connID,
		scripted("edited", early, early, pos.Payment, 1000, nil),
		scripted("edited", early, s.now.Add(-time.Minute), pos.Payment, 1200, nil),
		scripted("deleted", s.now.Add(-2*time.Hour), s.now.Add(-2*time.Hour), pos.Payment, 700, nil))
	f.accounts[s.connID].unlisted["deleted"] = true
	f.since[s.connID] = s.now.Add(-DefaultBackfill)
	return f
}

func (s crashScenario) config() Config {
	cfg := testConfig(func() time.Time { return s.now })
	// Each call must end within 9/10 of the lease: 4 s leave the fake
	// feeds' computing room on a loaded machine (with 2 s every call could
	// time out there, and the restarted poller never catch up).
	cfg.LeaseFor = 4 * time.Second
	cfg.ReconcileEvery = 100 * time.Millisecond
	return cfg
}

// crashChild polls the scenario's connection and kills its own process at
// the scenario's point: nothing is cleaned up, no lease released, no
// database transaction ended but by the server noticing the dead client.
func crashChild() int {
	s := scenarioFromEnv()
	pool, err := pgxpool.New(context.Background(), s.dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg := s.config()
	reached := 0
	cfg.Hooks = &Hooks{At: func(_ context.Context, p Point, _ int64) error {
		if p == s.point {
			if reached++; reached == s.nth {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		return nil
	}}
	m := NewMetrics(prometheus.NewRegistry())
	ctx, cancel := context.WithDeadline(context.Background(), s.deadline)
	defer cancel()
	_ = New(pool, s.feeds().feeds(), link.NewStore(pool, nil, nil, time.Now), m, cfg).Run(ctx)
	fmt.Fprintf(os.Stderr, "the poller never reached %s %d times\n", s.point, s.nth)
	return 3
}

// A poller killed at any point of a poll — after a page is fetched, with
// the page written but not committed, after the commit, after the list for
// reconciling is fetched — leaves a database from which another poller
// goes on: in the end every transaction is stored exactly once, in its
// latest version, with exactly the revisions its changes made.
func TestCrashAtAnyPointStoresEachTransactionOnce(t *testing.T) {
	for _, tc := range []struct {
		point Point
		nth   int
	}{{AfterFetch, 2}, {BeforeCommit, 2}, {AfterCommit, 2}, {AfterPresent, 1}} {
		t.Run(string(tc.point), func(t *testing.T) {
			now := time.Now().Truncate(time.Second)
			f := newFixture(t, func() time.Time { return now })
			conn := f.connect(t, link.Smaregi, "c1", 0)
			for _, k := range []string{"1:1", "1:2", "1:3"} {
				f.bind(t, conn.ID, k, f.camA.ID)
			}
			deadline := crashDeadline(t)
			s := crashScenario{dbURL: f.pool.Config().ConnString(), connID: conn.ID, tenantID: f.tenant.ID, now: now,
				point: tc.point, nth: tc.nth, deadline: deadline}
			// The child dies at the point, or gives up by the deadline: the
			// wait for its exit needs no limit of its own.
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), s.env()...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the poller was to die at %s: %v\n%s", tc.point, err, out)
			}
			if n := f.count(t, `SELECT count(*) FROM poll_states WHERE lease_owner IS NOT NULL`); n != 1 {
				t.Fatalf("the dead poller's lease: %d held", n)
			}

			f.fake = s.feeds()
			// What the feed delivers as of the frozen now, computed once: the
			// generator is costly, and recomputing it on every look would take
			// the CPU the restarted poller needs on a loaded machine.
			want := f.fake.expected(conn.ID, now)
			f.start(t, s.config())
			done := func() bool {
				got := f.stored(t, conn.ID)
				return got["deleted"].kind == "delete" && got["edited"].total == 1200 && caughtUpExcept(want, got, "deleted")
			}
			awaitBefore(t, deadline, "the restarted poller", done, func() string {
				var state string
				_ = f.pool.QueryRow(f.ctx, `SELECT row_to_json(s)::text FROM poll_states s`).Scan(&state)
				got := f.stored(t, conn.ID)
				return fmt.Sprintf("(poll state %s; %d stored, %d expected; calls %d; deleted %+v; edited %+v; first difference: %s)",
					state, len(got), len(want), len(f.fake.callsOf(conn.ID, "")), got["deleted"], got["edited"],
					firstDifference(want, got, "deleted"))
			})
			revs := map[string][]revision{"edited": {{1, "delivery", "payment", 1000}}, "deleted": {{1, "vanished", "payment", 700}}}
			for id, want := range revs {
				if got := f.revisions(t, conn.ID, id); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("revisions of %s: %v, want %v", id, got, want)
				}
			}
			if n := f.count(t, `SELECT count(*) FROM pos_transaction_revisions`); n != 2 {
				t.Errorf("%d revisions, want 2", n)
			}
		})
	}
}

// firstDifference names a transaction where got differs from want (but
// the IDs left out), for a failure's message.
func firstDifference(want map[string]pos.Transaction, got map[string]storedTxn, except ...string) string {
	for id, tx := range want {
		if slices.Contains(except, id) {
			continue
		}
		s, ok := got[id]
		if !ok {
			return id + " missing"
		}
		if d := sameAsDelivered(s, tx); d != "" {
			return id + ": " + d
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok && !slices.Contains(except, id) {
			return id + " stored, not delivered"
		}
	}
	return "none"
}

// caughtUpExcept says whether got holds what want does, leaving out some
// IDs (marked deleted by reconciling, which the feed's changes do not
// show).
func caughtUpExcept(want map[string]pos.Transaction, got map[string]storedTxn, except ...string) bool {
	want, got = maps.Clone(want), maps.Clone(got)
	for _, id := range except {
		delete(want, id)
		delete(got, id)
	}
	if len(want) == 0 || len(got) != len(want) {
		return false
	}
	for id, tx := range want {
		if s, ok := got[id]; !ok || sameAsDelivered(s, tx) != "" {
			return false
		}
	}
	return true
}
