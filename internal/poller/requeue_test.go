package poller

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/tenancy"
)

var staffActor = audit.Actor{Label: "staff@poslink.example", Address: "192.0.2.7"}

func withReason(reason string) audit.Actor {
	a := staffActor
	a.Reason = reason
	return a
}

// requeueEntries are the audit log's re-queues of a connection.
func (f *fixture) requeueEntries(t testing.TB, connID int64) []audit.Entry {
	t.Helper()
	entries, err := audit.List(f.ctx, f.pool, audit.Filter{TenantID: f.tenant.ID, Limit: 500})
	must(t, err)
	var out []audit.Entry
	for _, e := range entries {
		if e.Action == "link.poll_requeued" {
			if id, _ := e.Details["connection_id"].(float64); int64(id) == connID {
				out = append(out, e)
			}
		}
	}
	return out
}

// A connection stopped after refused credentials, and one backing off for
// far longer than the test waits, are polled right after staff re-queue
// them; the re-queue is audited with the reason and the address.
func TestRequeuePollsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failure *pos.Error
		stopped bool
	}{
		{"stopped after refused credentials", &pos.Error{Provider: "smaregi", Op: "app token", Class: pos.CredentialsRefused,
			Status: 401, Reason: "credentials"}, true},
		{"backing off", &pos.Error{Provider: "smaregi", Op: "transactions", Class: pos.Unavailable, Status: 503}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, time.Now)
			conn := f.connect(t, link.Smaregi, "skrequeue", 3, "1:1")
			f.bind(t, conn.ID, "1:1", f.camA.ID)
			var fail atomic.Bool
			fail.Store(true)
			f.fake.fault = func(int64, string) error {
				if fail.Load() {
					return tc.failure
				}
				return nil
			}
			cfg := testConfig(time.Now)
			// Without the re-queue the next poll would come long after the test.
			cfg.BackoffBase, cfg.BackoffMax = time.Hour, time.Hour
			f.start(t, cfg)
			waitFor(t, "the failure", func() bool { return f.state(t, conn.ID).failures == 1 })
			st := f.state(t, conn.ID)
			if st.stopped != tc.stopped || (!tc.stopped && st.due.Sub(*st.lastAttempt) < 20*time.Minute) {
				t.Fatalf("after the failure: %+v", st)
			}
			calls := len(f.fake.callsOf(conn.ID, ""))

			fail.Store(false) // the owner fixed it at the provider
			res, err := Requeue(f.ctx, f.pool, withReason("  お客様から電話: 売上が出ない  "), f.tenant.ID, conn.ID)
			if err != nil || res.Already || res.Provider != link.Smaregi || res.Account != "skrequeue" {
				t.Fatalf("Requeue: %+v, %v", res, err)
			}
			waitFor(t, "the poll after the re-queue", func() bool { return f.state(t, conn.ID).failures == 0 })
			if n := len(f.fake.callsOf(conn.ID, "")); n <= calls {
				t.Errorf("no call to the provider after the re-queue")
			}
			if s := f.state(t, conn.ID); s.stopped || s.lastOK == nil {
				t.Errorf("after the re-queue: %+v", s)
			}
			entries := f.requeueEntries(t, conn.ID)
			if len(entries) != 1 {
				t.Fatalf("%d audit entries of the re-queue, want 1", len(entries))
			}
			e := entries[0]
			if e.Actor.Reason != "お客様から電話: 売上が出ない" || e.Actor.Address != "192.0.2.7" ||
				e.Actor.Label != "staff@poslink.example" || e.TenantID != f.tenant.ID || e.Target != "connection:"+strconv.FormatInt(conn.ID, 10) {
				t.Errorf("audit entry %+v", e)
			}
		})
	}
}

// What cannot be re-queued is refused with the reason, and nothing changes:
// no reason, a link that waits for its owner, a deleted one, one without a
// bound terminal, another tenant's.
func TestRequeueRefusals(t *testing.T) {
	f := newFixture(t, time.Now)
	stopped := func(conn link.Connection) {
		t.Helper()
		_, err := f.pool.Exec(f.ctx, `UPDATE poll_states SET due_at = 'infinity', stopped_at = now(), failures = 1
			WHERE connection_id = $1`, conn.ID)
		must(t, err)
	}
	ok := f.connect(t, link.Smaregi, "skok", 1, "1:1")
	f.bind(t, ok.ID, "1:1", f.camA.ID)
	stopped(ok)
	reauth := f.connect(t, link.Ubiregi, "ubreauth", 2, "r1")
	f.bind(t, reauth.ID, "r1", f.camA.ID)
	must(t, f.links.SetStatus(f.ctx, testActor, f.tenant.ID, reauth.ID, link.ReauthRequired, "refused"))
	update := f.connect(t, link.Smaregi, "skupdate", 3, "1:1")
	f.bind(t, update.ID, "1:1", f.camB.ID)
	must(t, f.links.SetStatus(f.ctx, testActor, f.tenant.ID, update.ID, link.UpdateRequired, "cut-over"))
	deleted := f.connect(t, link.Smaregi, "skdeleted", 4, "1:2")
	f.bind(t, deleted.ID, "1:2", f.camB.ID)
	bs, err := f.links.Bindings(f.ctx, f.tenant.ID, deleted.ID)
	must(t, err)
	must(t, f.links.Delete(f.ctx, testActor, f.tenant.ID, deleted.ID, []int64{bs[0].ID}))
	unbound := f.connect(t, link.Smaregi, "skunbound", 5, "1:3")
	stopped(unbound)

	other, err := f.tenancy.CreateTenant(f.ctx, testActor, tenancy.TenantInput{Name: "別の店"})
	must(t, err)

	snapshot := func() string {
		var s string
		must(t, f.pool.QueryRow(f.ctx, `SELECT (SELECT string_agg(p::text, ',' ORDER BY connection_id) FROM poll_states p)
			|| (SELECT count(*) FROM audit_log)`).Scan(&s))
		return s
	}
	before := snapshot()
	for _, c := range []struct {
		name             string
		actor            audit.Actor
		tenantID, connID int64
		kind             apperr.Kind
		key, field       string
	}{
		{"no reason", withReason(""), f.tenant.ID, ok.ID, apperr.Invalid, "err.form_invalid", "err.required"},
		{"blank reason", withReason(" \u3000 "), f.tenant.ID, ok.ID, apperr.Invalid, "err.form_invalid", "err.required"},
		{"reason too long", withReason(strings.Repeat("長", MaxReasonLen+1)), f.tenant.ID, ok.ID, apperr.Invalid, "err.form_invalid", "err.text_too_long"},
		{"reason with NUL", withReason("a\x00b"), f.tenant.ID, ok.ID, apperr.Invalid, "err.form_invalid", "err.text_invalid"},
		{"reason with a direction control", withReason("abc\u202Etxt"), f.tenant.ID, ok.ID, apperr.Invalid, "err.form_invalid", "err.text_bidi"},
		{"要再認証", withReason("r"), f.tenant.ID, reauth.ID, apperr.Conflict, "requeue.err.reauth_required", ""},
		{"要更新", withReason("r"), f.tenant.ID, update.ID, apperr.Conflict, "requeue.err.update_required", ""},
		{"deleted", withReason("r"), f.tenant.ID, deleted.ID, apperr.Conflict, "requeue.err.unlinked", ""},
		{"no terminal bound", withReason("r"), f.tenant.ID, unbound.ID, apperr.Conflict, "requeue.err.unbound", ""},
		{"another tenant's", withReason("r"), other.ID, ok.ID, apperr.NotFound, "err.not_found", ""},
		{"no such connection", withReason("r"), f.tenant.ID, ok.ID + 1000, apperr.NotFound, "err.not_found", ""},
	} {
		_, err := Requeue(f.ctx, f.pool, c.actor, c.tenantID, c.connID)
		e, isApp := apperr.As(err)
		if !isApp || e.Kind != c.kind || e.Key != c.key || e.Fields[FieldReason] != c.field {
			t.Errorf("%s: %v, want kind %d %s %s", c.name, err, c.kind, c.key, c.field)
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("refused re-queues changed the poll states or the audit log:\n%s\n%s", before, after)
	}
}

// A double click, and many clicks at once: one re-queue, one audit entry;
// the others find the connection waiting and record nothing.
func TestRequeueTwiceAtOnce(t *testing.T) {
	f := newFixture(t, time.Now)
	conn := f.connect(t, link.Smaregi, "skclick", 1, "1:1")
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	_, err := f.pool.Exec(f.ctx, `UPDATE poll_states SET due_at = 'infinity', stopped_at = now(), failures = 1
		WHERE connection_id = $1`, conn.ID)
	must(t, err)

	const clicks = 8
	var wg sync.WaitGroup
	var done, already atomic.Int32
	start := make(chan struct{})
	for range clicks {
		wg.Go(func() {
			<-start
			res, err := Requeue(f.ctx, f.pool, withReason("double click"), f.tenant.ID, conn.ID)
			switch {
			case err != nil:
				t.Error(err)
			case res.Already:
				already.Add(1)
			default:
				done.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if done.Load() != 1 || already.Load() != clicks-1 {
		t.Errorf("%d re-queued, %d found it waiting; want 1 and %d", done.Load(), already.Load(), clicks-1)
	}
	if n := len(f.requeueEntries(t, conn.ID)); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
	if s := f.state(t, conn.ID); s.stopped || s.due == nil || s.due.After(time.Now()) || s.failures != 1 {
		t.Errorf("poll state after the re-queue: %+v", s)
	}
}

// A re-queue while a poll is in progress makes the connection due once
// that poll ends, even when the provider refused it.
func TestRequeueDuringAPoll(t *testing.T) {
	f := newFixture(t, time.Now)
	conn := f.connect(t, link.Smaregi, "skbusy", 1, "1:1")
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	s := &store{pool: f.pool, owner: "busy-instance", leaseFor: time.Minute, interval: time.Minute}
	leases, err := s.claim(f.ctx, 1, []string{"smaregi"}, time.Hour)
	must(t, err)
	if len(leases) != 1 {
		t.Fatalf("claimed %d", len(leases))
	}
	res, err := Requeue(f.ctx, f.pool, withReason("customer called"), f.tenant.ID, conn.ID)
	if err != nil || res.Already {
		t.Fatalf("Requeue during a poll: %+v, %v", res, err)
	}
	if res, err := Requeue(f.ctx, f.pool, withReason("again"), f.tenant.ID, conn.ID); err != nil || !res.Already {
		t.Errorf("second Requeue during the poll: %+v, %v", res, err)
	}
	must(t, s.fail(f.ctx, leases[0], verdict{stop: true}, encodeError(&pos.Error{Class: pos.CredentialsRefused})))
	if st := f.state(t, conn.ID); st.stopped || st.due == nil || st.due.After(time.Now()) {
		t.Errorf("after the refused poll: %+v, want due at once", st)
	}
	if n := len(f.requeueEntries(t, conn.ID)); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
}
