package smaregilink_test

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

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
	"github.com/poslink/poslink/internal/sim/fault"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// simAPI reads the simulator directly, as the contract's app, without the
// code under test: the ground truth.
type simAPI struct {
	sim   *smaregisim.Server
	c     smaregisim.Contract
	token string
}

func newSimAPI(t testing.TB, sim *smaregisim.Server, c smaregisim.Contract) *simAPI {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/app/"+c.ID+"/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"pos.transactions:read pos.stores:read"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.ClientSecret)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return &simAPI{sim: sim, c: c, token: tok.AccessToken}
}

// heads lists every head of a range (≤ 31 days), page by page, keyed by ID.
func (a *simAPI) heads(t testing.TB, rng string, from, to time.Time, out map[string]json.RawMessage) {
	t.Helper()
	for page := 1; ; page++ {
		q := url.Values{rng + "-from": {from.Format(time.RFC3339)}, rng + "-to": {to.Format(time.RFC3339)},
			"limit": {"1000"}, "page": {strconv.Itoa(page)}, "with_deposit_others": {"all"}}
		req := httptest.NewRequest(http.MethodGet, "/"+a.c.ID+"/pos/transactions?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		rec := httptest.NewRecorder()
		a.sim.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("transactions: %d %s", rec.Code, rec.Body)
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &raws); err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			var h struct {
				ID string `json:"transactionHeadId"`
			}
			_ = json.Unmarshal(raw, &h)
			out[h.ID] = raw
		}
		if len(raws) < 1000 {
			return
		}
	}
}

// truth is every head updated in [from, to], as the simulator shows it now.
func (a *simAPI) truth(t testing.TB, from, to time.Time) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for s := from; !s.After(to); s = s.Add(smaregi.MaxRange + time.Second) {
		a.heads(t, "upd_date_time", s, minT(s.Add(smaregi.MaxRange), to), out)
	}
	return out
}

func minT(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// linkContract creates a contract with the registers and history asked
// for and links it to tenant A.
func (f *fixture) linkContract(t *testing.T, id string, history time.Duration, terminals int) (smaregisim.Contract, link.Connection) {
	t.Helper()
	c, err := f.sim.CreateContract(smaregisim.ContractSpec{ID: id, HistoryStart: f.clock.Now().Add(-history),
		Stores: []smaregisim.StoreSpec{{Name: "本店", Terminals: terminals}}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := f.svc.Add(f.ctx, actor, f.a.ID, smaregilink.Input{ContractID: c.ID, ClientID: c.ClientID, ClientSecret: c.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return c, conn
}

func (f *fixture) feed(t testing.TB, connID int64) pos.Feed {
	t.Helper()
	fd, err := f.svc.Feed(f.ctx, f.a.ID, connID)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// cursorFrom peeks into a cursor: where the range goes on from.
func cursorFrom(t testing.TB, c string) time.Time {
	from, _ := cursorOf(t, c)
	return from
}

// cursorOf peeks into a cursor: where the range goes on from, and the
// last id read of that second.
func cursorOf(t testing.TB, c string) (time.Time, int64) {
	t.Helper()
	var v struct {
		From    time.Time `json:"from"`
		AfterID int64     `json:"after_id"`
	}
	if err := json.Unmarshal([]byte(c), &v); err != nil {
		t.Fatalf("cursor %q: %v", c, err)
	}
	return v.From, v.AfterID
}

// drain runs Changes until the feed has nothing more now, keeping the
// last delivery of each transaction; it returns the cursor and the pages.
func drain(t testing.TB, fd pos.Feed, cursor string, since time.Time, got map[string]pos.Transaction) (string, []string) {
	t.Helper()
	var cursors []string
	for {
		p, err := fd.Changes(context.Background(), cursor, since)
		if err != nil {
			t.Fatalf("after %d pages: %v", len(cursors), err)
		}
		for _, tx := range p.Transactions {
			got[tx.ID] = tx
		}
		cursor = p.Cursor
		cursors = append(cursors, cursor)
		if !p.More {
			return cursor, cursors
		}
		if len(cursors) > 10_000 {
			t.Fatal("the feed never ends")
		}
	}
}

// sameAsTruth checks that got holds exactly the heads of truth, each in
// its last state, with the dashboard's fields filled in.
func sameAsTruth(t *testing.T, got map[string]pos.Transaction, truth map[string]json.RawMessage) map[pos.Kind]int {
	t.Helper()
	kinds := map[pos.Kind]int{}
	for id, raw := range truth {
		tx, ok := got[id]
		if !ok {
			t.Fatalf("transaction %s never delivered: %.200s", id, raw)
		}
		if !bytes.Equal(tx.Raw, raw) {
			t.Fatalf("transaction %s: last delivery is not its last state:\n got  %.300s\n want %.300s", id, tx.Raw, raw)
		}
		var h struct {
			Store, Terminal, Sold, Upd, UUID, Staff string
			Cancel, Dispose, Total                  string
		}
		var m map[string]*string
		_ = json.Unmarshal(raw, &m)
		s := func(k string) string {
			if m[k] == nil {
				return ""
			}
			return *m[k]
		}
		h.Store, h.Terminal, h.Sold, h.Upd, h.UUID, h.Staff = s("storeId"), s("terminalId"), s("terminalTranDateTime"), s("updDateTime"), s("transactionUuid"), s("staffName")
		h.Cancel, h.Dispose, h.Total = s("cancelDivision"), s("disposeDivision"), s("total")
		want := pos.Payment
		if h.Cancel == "1" || h.Dispose != "0" {
			want = pos.Cancel
		}
		switch {
		case tx.TerminalKey != smaregilink.TerminalKey(h.Store, h.Terminal):
			t.Fatalf("transaction %s: terminal key %q", id, tx.TerminalKey)
		case tx.SoldAt.Format(time.RFC3339) != h.Sold || tx.UpdatedAt.Format(time.RFC3339) != h.Upd:
			t.Fatalf("transaction %s: sold %v updated %v; heads say %s, %s", id, tx.SoldAt, tx.UpdatedAt, h.Sold, h.Upd)
		case tx.Kind != want:
			t.Fatalf("transaction %s (cancel %s, dispose %s): kind %s", id, h.Cancel, h.Dispose, tx.Kind)
		case strconv.FormatInt(tx.Total, 10) != h.Total || tx.ReceiptNo != h.UUID || tx.ReceiptNo == "" || tx.Staff != h.Staff || tx.PaymentMethod == "":
			t.Fatalf("transaction %s: %+v", id, tx)
		}
		kinds[tx.Kind]++
	}
	for id := range got {
		if _, ok := truth[id]; !ok {
			t.Fatalf("delivered %s, which Smaregi does not have", id)
		}
	}
	return kinds
}

// A new link reads 100 days back, range by range of at most 31 days (the
// simulator refuses more): the ranges before the registers' first sale
// come back empty, saying More, and then 40 days of history arrive, every
// transaction in its last state.
func TestFeedWalksRangesOfHistory(t *testing.T) {
	f := newFixture(t, after)
	c, conn := f.linkContract(t, "skfeed01", 40*24*time.Hour, 1)
	since := after.Add(-100 * 24 * time.Hour)
	got := map[string]pos.Transaction{}
	cursor, cursors := drain(t, f.feed(t, conn.ID), "", since, got)
	// A range read to its end goes on at the next second after 31 days.
	jumps, prev := 0, since
	for _, cur := range cursors {
		from, afterID := cursorOf(t, cur)
		if afterID == 0 && from.Equal(prev.Add(smaregi.MaxRange+time.Second)) {
			jumps++
		}
		if afterID == 0 {
			prev = from
		}
	}
	truth := newSimAPI(t, f.sim, c).truth(t, since, after)
	kinds := sameAsTruth(t, got, truth)
	if len(truth) < 5000 || kinds[pos.Cancel] == 0 || len(cursors) < 10 || jumps < 2 {
		t.Fatalf("not 40 days of sales in ranges (%d jumps): %d transactions on %d pages, %v", jumps, len(truth), len(cursors), kinds)
	}
	// Caught up: the next poll reads the last minutes again, and no more.
	if from := cursorFrom(t, cursor); from.After(after) || after.Sub(from) > 3*time.Minute {
		t.Fatalf("caught up at %v, cursor from %v", after, from)
	}
	t.Logf("%d transactions on %d pages, %v", len(truth), len(cursors), kinds)
}

// Seconds holding more records than a page (the nightly 精算 stamps a day
// with one updDateTime) are read whole, by id.
func TestFeedSecondsLargerThanAPage(t *testing.T) {
	f := newFixture(t, after)
	c, conn := f.linkContract(t, "skfeed02", 4*24*time.Hour, 3)
	since := after.Add(-4 * 24 * time.Hour)
	fd := f.feed(t, conn.ID)
	smaregilink.SetFeedLimit(fd, 40)
	got := map[string]pos.Transaction{}
	_, cursors := drain(t, fd, "", since, got)
	truth := newSimAPI(t, f.sim, c).truth(t, since, after)
	sameAsTruth(t, got, truth)
	// The walk did stay within one second for several pages.
	same := 0
	for i := 1; i < len(cursors); i++ {
		if cursorFrom(t, cursors[i]).Equal(cursorFrom(t, cursors[i-1])) {
			same++
		}
	}
	if same < 3 {
		t.Fatalf("no second held more than a page: %d pages", len(cursors))
	}
}

// Sales cancelled, edited or disposed of while the pages are read come
// again in their new state; nothing is skipped.
func TestFeedSmaregiChangesWhilePaging(t *testing.T) {
	f := newFixture(t, after)
	c, conn := f.linkContract(t, "skfeed03", 2*24*time.Hour, 8)
	fd := f.feed(t, conn.ID)
	smaregilink.SetFeedLimit(fd, 50)
	since := after.Add(-time.Hour)
	p, err := fd.Changes(f.ctx, "", since)
	if err != nil || !p.More || len(p.Transactions) != 50 {
		t.Fatalf("first page: %d, more %v, %v", len(p.Transactions), p.More, err)
	}
	got, first := map[string]pos.Transaction{}, map[string]pos.Transaction{}
	for _, tx := range p.Transactions {
		got[tx.ID], first[tx.ID] = tx, tx
	}
	f.clock.Advance(3 * time.Hour)
	cursor, _ := drain(t, fd, p.Cursor, since, got)
	drain(t, fd, cursor, since, got)
	sameAsTruth(t, got, newSimAPI(t, f.sim, c).truth(t, since, f.clock.Now()))
	changed := 0
	for id, tx := range first {
		if !bytes.Equal(got[id].Raw, tx.Raw) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("no sale of the first page changed: the test proves nothing")
	}
}

// A transaction the shop deletes is absent from Present; the others stay.
func TestFeedPresentFindsDeletions(t *testing.T) {
	f := newFixture(t, after)
	c, conn := f.linkContract(t, "skfeed04", 5*24*time.Hour, 2)
	fd := f.feed(t, conn.ID)
	smaregilink.SetFeedLimit(fd, 200)
	from, to := after.Add(-72*time.Hour), after
	sold := map[string]json.RawMessage{}
	newSimAPI(t, f.sim, c).heads(t, "terminal_tran_date_time", from, to.Add(-time.Second), sold)
	ids, err := fd.Present(f.ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(sold) || len(sold) < 500 {
		t.Fatalf("present: %d, sold in the range: %d", len(ids), len(sold))
	}
	var victim string
	for id := range sold {
		if !ids[id] {
			t.Fatalf("%s is not present", id)
		}
		victim = id
	}
	n, _ := strconv.ParseInt(victim, 10, 64)
	if err := f.sim.DeleteTransaction(c.ID, n); err != nil {
		t.Fatal(err)
	}
	after, err := fd.Present(f.ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if after[victim] || len(after) != len(ids)-1 {
		t.Fatalf("after deleting %s: present %v, %d of %d", victim, after[victim], len(after), len(ids))
	}
}

// A link on the old access token is read through the legacy API until the
// cut-over; from then on it is 要更新 and not read. Moved to client
// credentials, it reads the same transactions, field for field, through
// the Platform API.
func TestFeedLegacyUntilTheCutover(t *testing.T) {
	f := newFixture(t, cutover.Add(-6*time.Hour))
	conn := f.importLegacy(t, f.a.ID, f.cam.ID)
	since := f.clock.Now().Add(-5 * 24 * time.Hour)
	viaLegacy, viaPlatform := map[string]pos.Transaction{}, map[string]pos.Transaction{}
	lf := f.feed(t, conn.ID)
	smaregilink.SetFeedLimit(lf, 300)
	cursor, _ := drain(t, lf, "", since, viaLegacy)

	f.clock.Set(cutover)
	_, err := lf.Changes(f.ctx, cursor, since)
	if e, ok := pos.AsError(err); !ok || e.Class != pos.CredentialsRefused || e.Reason != smaregi.ReasonLegacyRetired {
		t.Fatalf("after the cut-over: %v", err)
	}
	if _, err := lf.Present(f.ctx, cutover.Add(-time.Hour), cutover); pos.ClassOf(err) != pos.CredentialsRefused {
		t.Fatalf("present after the cut-over: %v", err)
	}

	f.clock.Set(cutover.Add(-6 * time.Hour))
	if _, err := f.svc.MigrateLegacy(f.ctx, actor, f.a.ID, conn.ID, f.input()); err != nil {
		t.Fatal(err)
	}
	drain(t, f.feed(t, conn.ID), "", since, viaPlatform)
	if len(viaLegacy) < 500 || len(viaLegacy) != len(viaPlatform) {
		t.Fatalf("legacy %d, platform %d transactions", len(viaLegacy), len(viaPlatform))
	}
	for id, l := range viaLegacy {
		p := viaPlatform[id]
		if l.TerminalKey != p.TerminalKey || !l.SoldAt.Equal(p.SoldAt) || !l.UpdatedAt.Equal(p.UpdatedAt) || l.Kind != p.Kind ||
			l.Total != p.Total || l.Deposit != p.Deposit || l.Change != p.Change || l.ReceiptNo != p.ReceiptNo ||
			l.Staff != p.Staff || l.PaymentMethod != p.PaymentMethod {
			t.Fatalf("transaction %s:\n legacy   %+v\n platform %+v", id, l, p)
		}
	}
}

// Credentials the shop revoked: CredentialsRefused, for the poller to stop
// on (エラー until 連携情報修正); the link is not marked 要更新, which is the
// old access token's alone, and no audit entry is written.
func TestFeedRevokedCredentials(t *testing.T) {
	f := newFixture(t, after)
	c, conn := f.linkContract(t, "skfeed05", 24*time.Hour, 1)
	fd := f.feed(t, conn.ID)
	if _, err := fd.Changes(f.ctx, "", after.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.ReissueSecret(c.ID); err != nil {
		t.Fatal(err)
	}
	must(t, f.sim.RevokeTokens(c.ID))
	_, err := fd.Changes(f.ctx, "", after.Add(-time.Hour))
	if e, ok := pos.AsError(err); !ok || e.Class != pos.CredentialsRefused || e.Reason != smaregi.ReasonCredentials {
		t.Fatalf("revoked: %v", err)
	}
	got, err := f.links.Connection(f.ctx, f.a.ID, conn.ID)
	if err != nil || got.Status != link.Active || got.StatusDetail != "" || f.svc.PhaseOf(got) != smaregilink.PhaseActive {
		t.Fatalf("connection %s (%q), %v", got.Status, got.StatusDetail, err)
	}
	if a := f.audit(t); strings.Contains(a, "link.status") {
		t.Errorf("audit %s", a)
	}
}

// A link on the old access token whose token Smaregi refuses is 要更新, and
// so is one the poller reads past the cut-over before the maintenance job
// marked it.
func TestFeedLegacyRefusedIsUpdateRequired(t *testing.T) {
	f := newFixture(t, cutover.Add(-6*time.Hour))
	since := cutover.Add(-24 * time.Hour)
	refused, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: f.contract.ID,
		AccessToken: "not-the-token"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.feed(t, refused.ID).Changes(f.ctx, "", since)
	if e, ok := pos.AsError(err); !ok || e.Class != pos.CredentialsRefused || e.Reason != smaregi.ReasonLegacyToken {
		t.Fatalf("refused token: %v", err)
	}
	if got, _ := f.links.Connection(f.ctx, f.a.ID, refused.ID); got.Status != link.UpdateRequired {
		t.Fatalf("after the refused token: %s", got.Status)
	}

	c2, err := f.sim.CreateContract(smaregisim.ContractSpec{ID: "skold02"})
	if err != nil {
		t.Fatal(err)
	}
	retired, err := f.svc.ImportLegacy(f.ctx, actor, f.a.ID, smaregilink.LegacyImport{ContractID: c2.ID,
		AccessToken: c2.LegacyAccessToken})
	if err != nil {
		t.Fatal(err)
	}
	fd := f.feed(t, retired.ID)
	if _, err := fd.Changes(f.ctx, "", since); err != nil {
		t.Fatalf("before the cut-over: %v", err)
	}
	f.clock.Set(cutover)
	_, err = fd.Changes(f.ctx, "", since)
	if e, ok := pos.AsError(err); !ok || e.Class != pos.CredentialsRefused || e.Reason != smaregi.ReasonLegacyRetired {
		t.Fatalf("past the cut-over: %v", err)
	}
	if got, _ := f.links.Connection(f.ctx, f.a.ID, retired.ID); got.Status != link.UpdateRequired {
		t.Fatalf("past the cut-over: %s", got.Status)
	}
}

// A 429 is RateLimited with the wait Smaregi asked for.
func TestFeedSmaregiRateLimited(t *testing.T) {
	f := newFixture(t, after)
	_, conn := f.linkContract(t, "skfeed06", 24*time.Hour, 1)
	fd := f.feed(t, conn.ID)
	if _, err := fd.Changes(f.ctx, "", after.Add(-time.Hour)); err != nil {
		t.Fatal(err) // the token is cached now
	}
	f.sim.Faults().Burst(1, 4*time.Second)
	_, err := fd.Changes(f.ctx, "", after.Add(-time.Hour))
	if e, ok := pos.AsError(err); !ok || e.Class != pos.RateLimited || e.RetryAfter != 4*time.Second {
		t.Fatalf("error %v, want RateLimited after 4s", err)
	}
	f.sim.Faults().Set(fault.Settings{})
}

// spoilingService is a second service of the fixture's links whose calls
// to the POS API pass through spoil.
func (f *fixture) spoilingService(t *testing.T, spoil *atomic.Pointer[func([]byte) []byte]) *smaregilink.Service {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sp := spoil.Load()
		if sp == nil || !strings.Contains(r.URL.Path, "/pos/transactions") {
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
		_, _ = w.Write((*sp)(rec.Body.Bytes()))
	}))
	t.Cleanup(ts.Close)
	return smaregilink.New(smaregilink.Config{IDBaseURL: ts.URL, APIBaseURL: ts.URL, LegacyBaseURL: ts.URL,
		LegacyCutover: cutover, Now: f.clock.Now}, f.links)
}

// An answer that is not the API's fails the fetch as Malformed, with the
// reason in words; nothing of the page comes back.
func TestFeedSmaregiMalformed(t *testing.T) {
	f := newFixture(t, after)
	_, conn := f.linkContract(t, "skfeed07", 24*time.Hour, 2)
	var spoil atomic.Pointer[func([]byte) []byte]
	svc := f.spoilingService(t, &spoil)
	fd, err := svc.Feed(f.ctx, f.a.ID, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
	}
	cases := map[string]struct {
		spoil  func([]byte) []byte
		reason string
	}{
		"truncated":      {func(b []byte) []byte { return b[:len(b)/3] }, "not a list of transactions"},
		"wrong type":     {replace(`"total":"`, `"total":5,"x":"`), "cannot unmarshal number"},
		"missing field":  {replace(`"terminalTranDateTime":`, `"terminalTranDate":`), "no terminalTranDateTime"},
		"missing total":  {replace(`"total":`, `"totals":`), "no total"},
		"negative total": {replace(`"total":"`, `"total":"-`), "negative amount"},
		"year 9999": {func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"terminalTranDateTime":"`)) + len(`"terminalTranDateTime":"`)
			return append(append(b[:i:i], "9999"...), b[i+4:]...)
		}, "not a plausible time"},
		"absurd amount": {replace(`"total":"`, `"total":"9999999999`), "not a plausible amount"},
		"absurd page": {func(b []byte) []byte {
			var rows []json.RawMessage
			_ = json.Unmarshal(b, &rows)
			for len(rows) <= smaregi.PageLimit {
				rows = append(rows, rows...)
			}
			out, _ := json.Marshal(rows)
			return out
		}, "records on a page of 1000"},
		"out of order": {func(b []byte) []byte {
			var rows []json.RawMessage
			_ = json.Unmarshal(b, &rows)
			rows[0], rows[len(rows)-1] = rows[len(rows)-1], rows[0]
			out, _ := json.Marshal(rows)
			return out
		}, "not sorted"},
		"not a register": {replace(`"storeId":"1"`, `"storeId":"1; DROP"`), "not a register"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sp := tc.spoil
			spoil.Store(&sp)
			defer spoil.Store(nil)
			p, err := fd.Changes(f.ctx, "", after.Add(-6*time.Hour))
			e, ok := pos.AsError(err)
			if !ok || e.Class != pos.Malformed || !strings.Contains(e.Detail, tc.reason) {
				t.Fatalf("error %v, want Malformed saying %q", err, tc.reason)
			}
			if len(p.Transactions) != 0 || p.Cursor != "" {
				t.Fatalf("a failed page returned %d transactions, cursor %q", len(p.Transactions), p.Cursor)
			}
		})
	}
	if p, err := fd.Changes(f.ctx, "", after.Add(-6*time.Hour)); err != nil || len(p.Transactions) == 0 {
		t.Fatalf("unspoiled: %d transactions, %v", len(p.Transactions), err)
	}
}

// The feed keys registers as bindings do.
func TestFeedTerminalKeyIsTheBindingsKey(t *testing.T) {
	for _, k := range [][2]string{{"1", "2"}, {"12", "345678901"}} {
		if a, b := smaregi.TerminalKey(k[0], k[1]), smaregilink.TerminalKey(k[0], k[1]); a != b {
			t.Fatalf("feed key %q, bindings key %q", a, b)
		}
	}
}

// A cursor not of this feed, or no cursor and no start, is the caller's
// bug, not Smaregi's failure.
func TestFeedCursors(t *testing.T) {
	f := newFixture(t, after)
	_, conn := f.linkContract(t, "skfeed08", 24*time.Hour, 1)
	fd := f.feed(t, conn.ID)
	for _, c := range []string{"{", `{"after_id":5}`, `{"from":"2026-11-01T00:00:00Z","after_id":-1}`} {
		if _, err := fd.Changes(f.ctx, c, after); err == nil || pos.ClassOf(err) != 0 {
			t.Errorf("cursor %s: %v", c, err)
		}
	}
	if _, err := fd.Changes(f.ctx, "", time.Time{}); err == nil || pos.ClassOf(err) != 0 {
		t.Errorf("no start: %v", err)
	}
}
