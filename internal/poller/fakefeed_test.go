package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/sim/shop"
)

// fakeFeeds stand in for the providers' feeds in the engine's tests and
// benchmarks: each connection is a POS account whose registers sell as the
// simulators' shop generator says (from a seed and the clock), plus
// deliveries a test scripts (edits, the nightly 精算) and deletions. A
// window of changes is read as of its end, so that paging through it is
// stable while the clock moves on. It counts calls, and calls that
// overlapped for one connection.
type fakeFeeds struct {
	mu sync.Mutex
	// now is the providers' clock (the poller's Config.Now in the tests).
	now func() time.Time
	// shift moves the shops' day: a sale at shop time T is delivered as
	// sold at T − shift, so that a run at night sees lunchtime trade.
	shift    time.Duration
	pageSize int
	// latency is each call's time, ± jitter.
	latency, jitter time.Duration
	accounts        map[int64]*fakeAccount
	// fault, when set, may fail a call ("changes" or "present") before it
	// is answered.
	fault func(connID int64, op string) error
	// page, when set, may replace an answered page (malformed records).
	page func(connID int64, p pos.Page) pos.Page

	calls []fakeCall
	// inflight are the calls in flight by connection, each as the time
	// its caller stops waiting for it (its context's deadline).
	inflight map[int64]map[*time.Time]bool
	overlaps int
	// since is the last backfill start asked for (empty cursor), per
	// connection.
	since map[int64]time.Time
	// computing is the time spent computing answers (the benchmark's
	// share of the simulation in its CPU time).
	computing time.Duration
}

type fakeCall struct {
	connID int64
	op     string
	at     time.Time
	err    error
}

// fakeAccount is one POS account's registers and scripted changes.
type fakeAccount struct {
	terminals []shop.Terminal
	keys      []string
	// extra are scripted deliveries, in any order; a later one of an ID
	// replaces the earlier in Present.
	extra []pos.Transaction
	gone  map[string]bool
	// unlisted are missing from Present only: deleted at the provider
	// after they were delivered.
	unlisted map[string]bool
}

func newFakeFeeds(now func() time.Time) *fakeFeeds {
	return &fakeFeeds{now: now, pageSize: 1000, accounts: map[int64]*fakeAccount{},
		inflight: map[int64]map[*time.Time]bool{}, since: map[int64]time.Time{}}
}

// add makes connID an account with registers keyed keys, their sales
// drawn from seed.
func (f *fakeFeeds) add(connID int64, seed uint64, keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &fakeAccount{keys: keys, gone: map[string]bool{}, unlisted: map[string]bool{}}
	for i := range keys {
		a.terminals = append(a.terminals, shop.Terminal{Seed: seed*1000 + uint64(i)})
	}
	f.accounts[connID] = a
}

// script adds deliveries to connID's account.
func (f *fakeFeeds) script(connID int64, txs ...pos.Transaction) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[connID]
	a.extra = append(a.extra, txs...)
}

// delete makes the provider forget a transaction.
func (f *fakeFeeds) delete(connID int64, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[connID].gone[id] = true
}

func (f *fakeFeeds) feeds() Feeds { return Feeds{link.Smaregi: f.open, link.Ubiregi: f.open} }

func (f *fakeFeeds) open(_ context.Context, _, connID int64) (pos.Feed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accounts[connID] == nil {
		return nil, &pos.Error{Provider: "smaregi", Op: "open", Class: pos.NotFound}
	}
	return fakeFeed{f, connID}, nil
}

// callsOf lists connID's calls of op ("" for all).
func (f *fakeFeeds) callsOf(connID int64, op string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.connID == connID && (op == "" || c.op == op) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeFeeds) overlapCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.overlaps
}

// enter starts a call: it counts an overlap when another call of the same
// connection is in flight, waits the latency and asks the fault. A call
// whose caller's deadline has passed counts as ended, as an HTTP client
// ends it then: on a loaded machine the fake's own work (computing the
// page under its lock) may finish it later than any real call would.
func (f *fakeFeeds) enter(ctx context.Context, connID int64, op string) (func(error), error) {
	f.mu.Lock()
	now := time.Now()
	for until := range f.inflight[connID] {
		if until.After(now) {
			f.overlaps++
			break
		}
	}
	until, ok := ctx.Deadline()
	if !ok {
		until = now.Add(24 * time.Hour)
	}
	if f.inflight[connID] == nil {
		f.inflight[connID] = map[*time.Time]bool{}
	}
	f.inflight[connID][&until] = true
	lat := f.latency
	if f.jitter > 0 {
		lat += time.Duration(rand.Int64N(int64(2*f.jitter))) - f.jitter
	}
	fault := f.fault
	f.mu.Unlock()
	leave := func(err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.inflight[connID], &until)
		f.calls = append(f.calls, fakeCall{connID: connID, op: op, at: time.Now(), err: err})
	}
	if lat > 0 {
		t := time.NewTimer(lat)
		defer t.Stop()
		select {
		case <-ctx.Done():
			err := &pos.Error{Provider: "smaregi", Op: op, Class: pos.Unavailable, Err: ctx.Err()}
			leave(err)
			return nil, err
		case <-t.C:
		}
	}
	if fault != nil {
		if err := fault(connID, op); err != nil {
			leave(err)
			return nil, err
		}
	}
	return leave, nil
}

type fakeFeed struct {
	f      *fakeFeeds
	connID int64
}

// The cursor is "t:<end of the last window>" between windows, and
// "w:<from>:<until>:<offset>" while paging through one (Unix nanoseconds).
func (ff fakeFeed) Changes(ctx context.Context, cursor string, since time.Time) (pos.Page, error) {
	leave, err := ff.f.enter(ctx, ff.connID, "changes")
	if err != nil {
		return pos.Page{}, err
	}
	page, err := ff.changes(cursor, since)
	leave(err)
	return page, err
}

func (ff fakeFeed) changes(cursor string, since time.Time) (pos.Page, error) {
	f := ff.f
	f.mu.Lock()
	defer f.mu.Unlock()
	began := time.Now()
	defer func() { f.computing += time.Since(began) }()
	now := f.now()
	from, until, offset := since, now, 0
	switch parts := strings.Split(cursor, ":"); {
	case cursor == "":
		f.since[ff.connID] = since
	case len(parts) == 2 && parts[0] == "t":
		from = time.Unix(0, atoi(parts[1]))
	case len(parts) == 4 && parts[0] == "w":
		from, until, offset = time.Unix(0, atoi(parts[1])), time.Unix(0, atoi(parts[2])), int(atoi(parts[3]))
	default:
		return pos.Page{}, &pos.Error{Provider: "smaregi", Op: "changes", Class: pos.Malformed, Detail: "bad cursor " + cursor}
	}
	if until.Before(from) {
		until = from
	}
	list := f.accounts[ff.connID].window(from, until, f.shift)
	end := min(offset+f.pageSize, len(list))
	p := pos.Page{Transactions: slices.Clone(list[offset:end])}
	if end < len(list) {
		p.Cursor, p.More = fmt.Sprintf("w:%d:%d:%d", from.UnixNano(), until.UnixNano(), end), true
	} else {
		p.Cursor = fmt.Sprintf("t:%d", until.UnixNano())
	}
	if f.page != nil {
		p = f.page(ff.connID, p)
	}
	return p, nil
}

func (ff fakeFeed) Present(ctx context.Context, from, to time.Time) (map[string]bool, error) {
	leave, err := ff.f.enter(ctx, ff.connID, "present")
	if err != nil {
		return nil, err
	}
	f := ff.f
	f.mu.Lock()
	began := time.Now()
	out := f.accounts[ff.connID].present(from, to, f.now(), f.shift)
	f.computing += time.Since(began)
	f.mu.Unlock()
	leave(nil)
	return out, nil
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// window is every change with its update in [from, until), as of until,
// ordered by update time and ID.
func (a *fakeAccount) window(from, until time.Time, shift time.Duration) []pos.Transaction {
	var out []pos.Transaction
	asOf := until.Add(shift)
	shop.Changed(a.terminals, from.Add(shift), asOf, asOf, func(ti int, s shop.Sale) bool {
		if tx, ok := a.transaction(ti, s, asOf, shift); ok {
			out = append(out, tx)
		}
		return true
	})
	for _, x := range a.extra {
		if !x.UpdatedAt.Before(from) && x.UpdatedAt.Before(until) && !a.gone[x.ID] {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(x, y pos.Transaction) int {
		if c := x.UpdatedAt.Compare(y.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// present is the IDs of the sales sold in [from, to) that the account
// still has, as of now.
func (a *fakeAccount) present(from, to, now time.Time, shift time.Duration) map[string]bool {
	out := map[string]bool{}
	for ti, t := range a.terminals {
		t.Sales(from.Add(shift), to.Add(shift), func(s shop.Sale) bool {
			if tx, ok := a.transaction(ti, s, now.Add(shift), shift); ok {
				out[tx.ID] = true
			}
			return true
		})
	}
	for _, x := range a.extra {
		if !x.SoldAt.Before(from) && x.SoldAt.Before(to) && !a.gone[x.ID] {
			out[x.ID] = true
		}
	}
	for id := range a.unlisted {
		delete(out, id)
	}
	return out
}

// expected is what the poller must have stored of the account once it
// caught up with now: the latest version of every transaction updated
// since the backfill start, by ID.
func (f *fakeFeeds) expected(connID int64, now time.Time) map[string]pos.Transaction {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, since := f.accounts[connID], f.since[connID]
	out := map[string]pos.Transaction{}
	if since.IsZero() {
		return out // not polled yet
	}
	for _, tx := range a.window(since, now, f.shift) {
		out[tx.ID] = tx
	}
	return out
}

var methodNames = []string{"現金", "クレジット", "QRコード決済"}

// transaction is a sale as a provider's feed delivers it, as seen at asOf
// (shop time); false for a sale voided before payment or deleted.
func (a *fakeAccount) transaction(ti int, s shop.Sale, asOf time.Time, shift time.Duration) (pos.Transaction, bool) {
	if s.Voided {
		return pos.Transaction{}, false
	}
	id := fmt.Sprintf("%s-%d", a.keys[ti], s.Seq())
	if a.gone[id] {
		return pos.Transaction{}, false
	}
	t := a.terminals[ti]
	tx := pos.Transaction{
		ID: id, TerminalKey: a.keys[ti], SoldAt: s.PaidAt.Add(-shift).In(shop.Tokyo), Kind: pos.Payment,
		Total: s.Total, Deposit: s.Deposit, Change: s.Change, ReceiptNo: strconv.FormatInt(s.Seq()%100000, 10),
		Staff: t.Staff()[s.Staff], PaymentMethod: methodNames[s.Method],
		UpdatedAt: s.UpdatedAt(asOf).Add(-shift),
	}
	if later := s.Current(asOf); later != nil {
		switch later.Kind {
		case shop.Cancel:
			tx.Kind = pos.Cancel
		case shop.Edit:
			tx.Total, tx.Deposit, tx.Change = later.Amount.Total, later.Amount.Deposit, later.Amount.Change
		case shop.Dispose:
			tx.Kind = pos.Delete
		}
	}
	tx.Raw, _ = json.Marshal(map[string]any{"id": tx.ID, "total": tx.Total, "kind": tx.Kind,
		"updated": tx.UpdatedAt.Format(time.RFC3339)})
	return tx, true
}
