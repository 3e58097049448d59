package portal_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/poller"
	"github.com/poslink/poslink/internal/pos"
)

// A Smaregi contract whose secret the shop reissued: the poller stops
// polling it, and the pages say エラー and why — not 要更新, which is the
// old access token's — with the way to 連携情報修正. Smaregi is asked
// nothing more for it while the tenant's other contract goes on being
// polled; saving the new secret makes it 有効 again and polling resumes by
// itself.
func TestSmaregiRefusedSecretStopsPollingUntilNewCredentials(t *testing.T) {
	f := newSmaregiEnv(t)
	f.staff(t, staffEmail, staffPW)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	alive := statusSmaregiLink(t, f.env, f.tenant.ID, "skalive01", f.cam2.ID)
	probe := startPoller(t, f.env)
	status := f.pollStatusOf(t)
	waitUntil(t, "both contracts polled", func() bool {
		return !status(conn.ID).LastOK.IsZero() && !status(alive.ID).LastOK.IsZero()
	})
	_, body := f.c.get("/smaregi")
	wantContains(t, linkCard(t, body, conn.ID), `data-poll-state="active">有効`, "連携中")

	// The shop reissues the secret; the token the poller holds expires.
	if _, err := f.sims.Smaregi.ReissueSecret(demoContract); err != nil {
		t.Fatal(err)
	}
	must(t, f.sims.Smaregi.RevokeTokens(demoContract))
	waitUntil(t, "polling of the refused contract to stop", func() bool { return status(conn.ID).Stopped })
	stopped := status(conn.ID)
	if stopped.State != poller.StateError || stopped.Polled || !stopped.NextPoll.IsZero() || stopped.Failures != 1 {
		t.Errorf("status after the refusal: %+v", stopped)
	}
	if c := f.conn(t, conn.ID); c.Status != link.Active || f.smaregi.PhaseOf(c) != smaregilink.PhaseActive {
		t.Errorf("the link after the refusal: %s (%q)", c.Status, c.StatusDetail)
	}

	reason := i18n.T(i18n.JA, "smaregi.err.stored_credentials")
	title := i18n.T(i18n.JA, "smaregi.notice.refused_title")
	editURL := `href="` + connPath(conn.ID, "edit") + `"`
	_, body = f.c.get("/smaregi")
	card := linkCard(t, body, conn.ID)
	wantContains(t, card, `data-poll-state="error">エラー`, `<span class="badge badge-danger">エラー</span>`, "最後のエラー", reason,
		"停止中", title, editURL)
	wantNotContains(t, "the refused link's card", card, "要更新", "連携中")
	wantContains(t, linkCard(t, body, alive.ID), `data-poll-state="active">有効`, "連携中")
	checkPage(t, body)

	// The terminal page says it once, and offers no binding that could
	// not work.
	_, body = f.c.get(connPath(conn.ID, ""))
	wantContains(t, body, `data-poll-state="error">エラー`, reason, title, editURL, "レジ1")
	if n := strings.Count(body, html.EscapeString(reason)); n != 1 {
		t.Errorf("the terminal page says why %d times", n)
	}
	wantNotContains(t, "the terminal page", body, "要更新", `action="`+connPath(conn.ID, "bind")+`"`)
	checkPage(t, body)

	// 連携情報修正 says why too.
	_, body = f.c.get(connPath(conn.ID, "edit"))
	wantContains(t, body, title, "最後のエラー", reason)

	// In English, and for staff.
	f.c.lang = "en"
	_, body = f.c.get("/smaregi")
	wantContains(t, linkCard(t, body, conn.ID), `data-poll-state="error">Error`,
		html.EscapeString(i18n.T(i18n.EN, "smaregi.err.stored_credentials")), html.EscapeString(i18n.T(i18n.EN, "smaregi.notice.refused_title")))
	f.c.lang = ""
	staff := f.login(t, staffEmail, staffPW)
	res, body := staff.get(tenantPath(f.tenant.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("tenant page: %d", res.StatusCode)
	}
	wantContains(t, body, `data-poll-state="error">エラー`, reason, "停止中", html.EscapeString(stopped.LastErrorText))

	// No error storm: while the other contract is polled three times more,
	// Smaregi hears nothing of this one.
	calls, polls, alivePolls := probe.callsOf(demoContract), probe.pollsOf(conn.ID), probe.pollsOf(alive.ID)
	waitUntil(t, "three more polls of the other contract", func() bool { return probe.pollsOf(alive.ID) >= alivePolls+3 })
	if probe.callsOf(demoContract) != calls || probe.pollsOf(conn.ID) != polls {
		t.Errorf("while stopped: %d calls to Smaregi, %d polls", probe.callsOf(demoContract)-calls, probe.pollsOf(conn.ID)-polls)
	}
	if st := status(conn.ID); st.Failures != 1 || !st.LastAttempt.Equal(stopped.LastAttempt) || !st.Stopped {
		t.Errorf("status while stopped: %+v", st)
	}

	// The owner saves the new secret: polling resumes by itself.
	postDone(t, f.c, connPath(conn.ID, "edit"), f.creds(t), "契約ID "+demoContract+" の連携情報を修正しました。")
	waitUntil(t, "polling to resume", func() bool {
		st := status(conn.ID)
		return !st.Stopped && st.LastOK.After(stopped.LastErrorAt)
	})
	if probe.callsOf(demoContract) == calls {
		t.Error("polling resumed without asking Smaregi")
	}
	_, body = f.c.get("/smaregi")
	card = linkCard(t, body, conn.ID)
	wantContains(t, card, `data-poll-state="active">有効`, "連携中", "その後の取得は成功しています。")
	wantNotContains(t, "the card after the new secret", card, title, "停止中", `<span class="badge badge-danger">`)
}

// A link on the old access token is polled until the cut-over; from then
// on it is 要更新, not エラー, at once: the poll that meets the cut-over
// marks it.
func TestSmaregiLegacyLinkPolledUntilCutover(t *testing.T) {
	f := newSmaregiEnv(t)
	f.simClock.Set(time.Date(2026, 1, 23, 23, 0, 0, 0, jst))
	conn := f.importLegacy(t, f.sims.Info.Smaregi.LegacyAccessToken, "渋谷店")
	startPoller(t, f.env)
	status := f.pollStatusOf(t)
	waitUntil(t, "the old link polled", func() bool { return !status(conn.ID).LastOK.IsZero() })
	_, body := f.c.get("/smaregi")
	wantContains(t, linkCard(t, body, conn.ID), `data-poll-state="active">有効`, "旧方式・要更新（2026年1月24日まで利用可）")

	f.simClock.Set(time.Date(2026, 1, 24, 0, 0, 0, 0, jst))
	waitUntil(t, "the poll that meets the cut-over", func() bool { return status(conn.ID).State != poller.StateActive })
	if st := status(conn.ID); st.State != poller.StateUpdateRequired || st.Polled {
		t.Errorf("status past the cut-over: %+v", st)
	}
	if c := f.conn(t, conn.ID); c.Status != link.UpdateRequired {
		t.Errorf("the link past the cut-over: %s", c.Status)
	}
	_, body = f.c.get("/smaregi")
	card := linkCard(t, body, conn.ID)
	wantContains(t, card, `data-poll-state="update_required">要更新`, "要更新: スマレジとの明細連携が停止しています",
		i18n.T(i18n.JA, "smaregi.err.legacy_retired"))
	wantNotContains(t, "the old link's card", card, `data-poll-state="error"`, i18n.T(i18n.JA, "smaregi.notice.refused_title"))
}

// pollProbe counts what a poller started by startPoller does: the polls of
// each connection and the requests to Smaregi for each contract.
type pollProbe struct {
	mu    sync.Mutex
	polls map[int64]int
	paths []string
}

func (p *pollProbe) pollsOf(connID int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls[connID]
}

// callsOf counts the Platform API requests (tokens included) that named
// the contract.
func (p *pollProbe) callsOf(contractID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, path := range p.paths {
		if strings.Contains(path, "/"+contractID+"/") {
			n++
		}
	}
	return n
}

func (p *pollProbe) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	p.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// startPoller runs a transaction poller on the env's database, as serve
// does, every 200 ms, through a Smaregi service of its own whose requests
// the probe counts (the pages' requests go through the env's); it stops
// when the test ends.
func startPoller(t *testing.T, e *env) *pollProbe {
	t.Helper()
	probe := &pollProbe{polls: map[int64]int{}}
	info := e.sims.Info.Smaregi
	svc := smaregilink.New(smaregilink.Config{IDBaseURL: info.IDBaseURL, APIBaseURL: info.APIBaseURL, LegacyBaseURL: info.LegacyBaseURL,
		LegacyCutover: e.smaregi.LegacyCutover(), HTTPClient: &http.Client{Transport: probe, Timeout: 5 * time.Second},
		Now: e.simClock.Now}, e.links)
	feed := func(ctx context.Context, tenantID, connID int64) (pos.Feed, error) {
		probe.mu.Lock()
		probe.polls[connID]++
		probe.mu.Unlock()
		return svc.Feed(ctx, tenantID, connID)
	}
	p := poller.New(e.pool, poller.Feeds{link.Smaregi: feed}, e.links, poller.NewMetrics(prometheus.NewRegistry()), poller.Config{
		Interval: 200 * time.Millisecond, IdleWait: 20 * time.Millisecond, AccountRate: 1000, Owner: "portal-test", Now: e.simClock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("poller: %v", err)
		}
	})
	return probe
}

// pollStatusOf reads a connection's polling status as the pages do.
func (f *smaregiEnv) pollStatusOf(t *testing.T) func(connID int64) poller.ConnStatus {
	r := poller.NewStatusReader(f.pool, tokyo, func() time.Time { return testNow })
	return func(connID int64) poller.ConnStatus {
		t.Helper()
		all, err := r.Status(context.Background(), f.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		return all[connID]
	}
}

// waitUntil checks cond every few milliseconds until it holds, failing the
// test shortly before the test's own deadline (go test -timeout): a loaded
// machine makes the poller slow, not wrong.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-time.Until(d) / 20)
	}
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// linkCard is the スマレジ連携設定 page's card of a link.
func linkCard(t *testing.T, body string, connID int64) string {
	t.Helper()
	start := strings.Index(body, `<section class="card" id="link-`+itoa(connID)+`"`)
	if start < 0 {
		t.Fatalf("no card of link %d on the page", connID)
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}
