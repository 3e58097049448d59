package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

func requeuePath(tenantID, connID int64) string {
	return tenantPath(tenantID) + "/connections/" + itoa(connID) + "/requeue"
}

// stopPolling puts a connection's polling where refused credentials leave
// it: stopped, with the failure recorded.
func (e *env) stopPolling(t *testing.T, connID int64) {
	t.Helper()
	_, err := e.pool.Exec(context.Background(), `UPDATE poll_states SET due_at = 'infinity', stopped_at = now(), failures = 1,
		last_attempt_at = now(), last_error_at = now(),
		last_error = '{"provider":"smaregi","op":"app token","class":4,"status":401,"text":"smaregi app token: credentials refused"}'
		WHERE connection_id = $1`, connID)
	must(t, err)
}

// pollState is what a re-queue changes, for comparing.
func (e *env) pollState(t *testing.T, connID int64) string {
	t.Helper()
	var s string
	must(t, e.pool.QueryRow(context.Background(), `SELECT p::text FROM poll_states p WHERE connection_id = $1`, connID).Scan(&s))
	return s
}

func (e *env) requeues(t *testing.T) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for _, a := range e.auditLog(t) {
		if a.Action == "link.poll_requeued" {
			out = append(out, a)
		}
	}
	return out
}

// Staff re-queue a stopped link from the tenant page with a reason: it is
// due at once, the change is audited with the reason and the address, and
// pressing again changes nothing more.
func TestSupportRequeue(t *testing.T) {
	f := newSearchEnv(t)
	f.stopPolling(t, f.connID)
	path := requeuePath(f.tenant.ID, f.connID)

	_, body := f.staff.get(tenantPath(f.tenant.ID))
	wantContains(t, body, "今すぐ取得", `action="`+path+`"`, `name="reason"`, "エラー")

	// No reason: a message, and nothing changed.
	before, audits := f.pollState(t, f.connID), f.count(t, "audit_log")
	for _, reason := range []string{"", "   "} {
		body = postRefused(t, f.staff, path, url.Values{"reason": {reason}}, http.StatusBadRequest, "入力してください。")
		wantContains(t, body, `aria-invalid="true"`, "今すぐ取得")
	}
	if f.pollState(t, f.connID) != before || f.count(t, "audit_log") != audits {
		t.Fatal("a re-queue without a reason changed something")
	}

	postDone(t, f.staff, path, url.Values{"reason": {"電話: 昨日から売上が表示されない"}},
		"スマレジ "+demoContract+" の取引を今すぐ取得するよう設定しました。")
	var due, stopped bool
	must(t, f.pool.QueryRow(context.Background(), `SELECT due_at <= now(), stopped_at IS NOT NULL FROM poll_states
		WHERE connection_id = $1`, f.connID).Scan(&due, &stopped))
	if !due || stopped {
		t.Errorf("after the re-queue: due %v, stopped %v", due, stopped)
	}
	entries := f.requeues(t)
	if len(entries) != 1 {
		t.Fatalf("%d re-queue entries, want 1", len(entries))
	}
	if e := entries[0]; e.Actor.Label != staffEmail || e.Actor.Reason != "電話: 昨日から売上が表示されない" ||
		e.Actor.Address != "127.0.0.1" || e.TenantID != f.tenant.ID || e.Details["connection_id"] != float64(f.connID) {
		t.Errorf("audit entry %+v", e)
	}

	// Again: it is waiting already; nothing more is recorded.
	postDone(t, f.staff, path, url.Values{"reason": {"念のため"}}, "はすでに取得待ちです。")
	if n := len(f.requeues(t)); n != 1 {
		t.Errorf("%d re-queue entries after pressing again, want 1", n)
	}

	// In English.
	f.staff.lang = "en"
	f.stopPolling(t, f.connID)
	postDone(t, f.staff, path, url.Values{"reason": {"customer called"}}, "will be fetched within moments")
}

// A double click: both clicks answer, and one re-queue is recorded.
func TestSupportRequeueDoubleClick(t *testing.T) {
	f := newSearchEnv(t)
	f.stopPolling(t, f.connID)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			res, body := f.staff.postForm(requeuePath(f.tenant.ID, f.connID), url.Values{"reason": {"double click"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("status %d\n%s", res.StatusCode, body)
			}
		})
	}
	wg.Wait()
	if n := len(f.requeues(t)); n != 1 {
		t.Errorf("%d re-queue entries, want 1", n)
	}
}

// What cannot be re-queued says why and changes nothing: a link that waits
// for its owner, another tenant's link under this tenant's URL; owners
// cannot reach the route at all.
func TestSupportRequeueRefused(t *testing.T) {
	f := newSearchEnv(t)
	ctx := context.Background()
	f.stopPolling(t, f.connID)

	// Another tenant's link, stopped too.
	other := f.env.tenant(t, "別の店")
	f.owner(t, other.ID, "other@shop.example", "other-password-1")
	cam := f.camera(t, other.ID, "cam-other", "カメラ", testNow.AddDate(0, 0, -5))
	k, err := f.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: "skother01", RateLimit: -1})
	must(t, err)
	otherOwner := f.login(t, "other@shop.example", "other-password-1")
	foreign := pureSmaregiLink(t, f.env, otherOwner, other.ID, k.ID)
	postDone(t, otherOwner, connPath(foreign.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(cam.ID)},
		"binding": {"0"}}, "")
	f.stopPolling(t, foreign.ID)

	snapshot := func() string {
		return f.pollState(t, f.connID) + f.pollState(t, foreign.ID) + itoa(int64(f.count(t, "audit_log")))
	}
	before := snapshot()
	form := url.Values{"reason": {"理由"}}

	// Another tenant's link under this tenant's URL, and the right tenant's
	// URL with a connection that does not exist.
	for _, p := range []string{requeuePath(f.tenant.ID, foreign.ID), requeuePath(other.ID, f.connID), requeuePath(f.tenant.ID, foreign.ID+100)} {
		res, body := f.staff.postForm(p, form)
		if res.StatusCode != http.StatusNotFound || !visibleMessage(body) {
			t.Errorf("POST %s: %d, want 404 with a message", p, res.StatusCode)
		}
	}
	// The owners: the support console is staff's.
	for _, c := range []*client{f.c, otherOwner} {
		res, _ := c.postForm(requeuePath(f.tenant.ID, f.connID), form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("owner's re-queue: %d, want 403", res.StatusCode)
		}
	}
	if snapshot() != before {
		t.Fatal("a refused re-queue changed something")
	}

	// 要更新: the owner must enter new credentials; no button, and a hand-made
	// request is refused with the reason.
	must(t, f.links.SetStatus(ctx, f.actor, f.tenant.ID, f.connID, link.UpdateRequired, "test"))
	_, body := f.staff.get(tenantPath(f.tenant.ID))
	if strings.Contains(body, requeuePath(f.tenant.ID, f.connID)) {
		t.Error("a 要更新 link offers 今すぐ取得")
	}
	before = snapshot()
	postRefused(t, f.staff, requeuePath(f.tenant.ID, f.connID), form, http.StatusConflict,
		demoContract+" は要更新です。オーナーが新しいクライアントID・クライアントシークレットを入力するまで、取引は取得できません。")
	if snapshot() != before {
		t.Error("a refused re-queue of a 要更新 link changed something")
	}
}
