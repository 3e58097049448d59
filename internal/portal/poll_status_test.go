package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/sim/sandbox"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// The link pages show, per connection, how the polling of its sales
// stands: a new link waits for its first fetch; a working one shows 有効,
// its last fetch, next fetch and today's transactions; a failing one
// エラー and why. Staff see the same on the tenant's page (with the
// provider's words); another tenant's owner sees none of it.
func TestLinkPagesShowPolling(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "取得状況の店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	e.staff(t, staffEmail, staffPW)
	cam := e.camera(t, tn.ID, "cam-status", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	owner := e.login(t, ownerEmail, ownerPW)

	cb := ubConsent(t, owner, ubConnect(t, owner), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	getFollow(t, owner, cb)
	ub := e.ubConnection(t, tn.ID)
	ubTerms := e.ubTerminals(t, tn.ID, ub.ID)
	postDone(t, owner, "/ubiregi/"+itoa(ub.ID)+"/bind", url.Values{"terminal": {ubTerms[0].Key}, "camera": {itoa(cam.ID)}, "binding": {"0"}}, "")
	sm := statusSmaregiLink(t, e, tn.ID, "skstat01", cam.ID)

	// Linked and bound, never fetched yet.
	_, body := owner.get("/ubiregi")
	wantContains(t, body, "取引の取得", "取得待ち", "まもなく", "本日の取引", "0 件")
	_, body = owner.get("/smaregi")
	wantContains(t, body, "取得待ち")

	// The Ubiregi account fetched two minutes ago, three sales today and
	// one yesterday; the Smaregi contract failing for the third time.
	next := time.Now().Add(time.Hour).Truncate(time.Second)
	lastOK := testNow.Add(-2 * time.Minute)
	seedPollState(t, e, ub.ID, `last_ok_at = $2, last_attempt_at = $2, due_at = $3`, lastOK, next)
	for i, sold := range []time.Time{testNow.Add(-time.Hour), testNow.Add(-3 * time.Hour), testNow.Add(-11 * time.Hour), testNow.AddDate(0, 0, -1)} {
		seedTransaction(t, e, tn.ID, ub.ID, ubTerms[0].Key, "ck-"+itoa(int64(i)), sold)
	}
	failedAt := testNow.Add(-time.Minute)
	seedPollState(t, e, sm.ID, `failures = 3, last_attempt_at = $2, last_error_at = $2, due_at = $3,
		last_error = '{"provider":"smaregi","op":"list transactions","account":"skstat01","status":503,"class":1,"text":"smaregi: list transactions: 503 Service Unavailable"}'`,
		failedAt, next)

	wantOK := []string{`data-poll-state="active">有効`, "2026/11/23 11:58:00", "3 件", next.In(tokyo).Format("2006/01/02 15:04:05")}
	wantErr := []string{`data-poll-state="error">エラー`, "最後のエラー（2026/11/23 11:59:00）",
		i18n.T(i18n.JA, "smaregi.err.unavailable"), "まだありません"}

	_, body = owner.get("/ubiregi")
	wantContains(t, body, wantOK...)
	wantNotContains(t, "/ubiregi", body, "最後のエラー", "4 件")
	_, body = owner.get("/smaregi")
	wantContains(t, body, wantErr...)
	wantNotContains(t, "/smaregi", body, "503 Service Unavailable")
	_, body = owner.get(connPath(sm.ID, ""))
	wantContains(t, body, wantErr...)

	// In English.
	owner.lang = "en"
	_, body = owner.get("/ubiregi")
	wantContains(t, body, `data-poll-state="active">Active`, "Last fetched", "2026-11-23 11:58:00", "Today&#39;s transactions")
	_, body = owner.get("/smaregi")
	wantContains(t, body, `data-poll-state="error">Error`, "Last error (2026-11-23 11:59:00)", i18n.T(i18n.EN, "smaregi.err.unavailable"))

	// Staff: both links of the tenant, with the provider's words.
	staff := e.login(t, staffEmail, staffPW)
	res, body := staff.get(tenantPath(tn.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("tenant page: %d", res.StatusCode)
	}
	wantContains(t, body, "POS連携", "skstat01", ub.ExternalID, "状況の契約")
	wantContains(t, body, wantOK...)
	wantContains(t, body, wantErr...)
	wantContains(t, body, "smaregi: list transactions: 503 Service Unavailable", "連続 3 回失敗")

	// Another tenant's owner and tenant page show nothing of them.
	other := e.tenant(t, "よその店")
	e.owner(t, other.ID, "other@shop.example", ownerPW)
	theirs := e.login(t, "other@shop.example", ownerPW)
	for _, p := range []string{"/ubiregi", "/smaregi"} {
		_, body := theirs.get(p)
		wantNotContains(t, p, body, "取引の取得", "skstat01", "11:58:00", "最後のエラー", "3 件")
	}
	_, body = staff.get(tenantPath(other.ID))
	wantContains(t, body, "POS連携はありません。")
	wantNotContains(t, "other tenant's page", body, "skstat01", ub.ExternalID, "503 Service Unavailable")
}

// statusSmaregiLink links a new contract of the simulator and binds its
// register 1:1 to the camera.
func statusSmaregiLink(t *testing.T, e *env, tenantID int64, contractID string, cameraID int64) link.Connection {
	t.Helper()
	k, err := e.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: contractID, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.smaregi.Add(context.Background(), e.actor, tenantID, smaregilink.Input{ContractID: k.ID,
		ClientID: k.ClientID, ClientSecret: k.ClientSecret, Memo: "状況の契約"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.smaregi.Bind(context.Background(), e.actor, tenantID, c.ID,
		smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: cameraID}); err != nil {
		t.Fatal(err)
	}
	return c
}

// seedPollState sets the poll state of a connection as the poller would
// have left it; set's $2 and $3 are a and b.
func seedPollState(t *testing.T, e *env, connID int64, set string, a, b time.Time) {
	t.Helper()
	tag, err := e.pool.Exec(context.Background(), `UPDATE poll_states SET `+set+` WHERE connection_id = $1`, connID, a, b)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("seed poll state of %d: %v, %v", connID, tag, err)
	}
}

// seedTransaction stores a payment of the connection as the poller would.
func seedTransaction(t *testing.T, e *env, tenantID, connID int64, terminal, id string, sold time.Time) {
	t.Helper()
	_, err := e.pool.Exec(context.Background(), `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id,
		terminal_key, sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		VALUES ($1, $2, $3, $4, $5, 32400, 'payment', 1000, 1000, 0, $5, '{}')`, tenantID, connID, id, terminal, sold)
	if err != nil {
		t.Fatal(err)
	}
}
