package stills_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/stills"
)

// A sale is not asked for before the camera cloud can have its recording;
// once that minute has passed, it is fetched and stored small.
func TestNotFetchedBeforeTheMediaDelayThenReady(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := f.fetcher(stills.Config{})
	now := f.clock.Now()
	id := f.sale(t, "payment", now)
	if n, err := fe.FetchDue(ctx); err != nil || n != 0 {
		t.Fatalf("a sale of this second claimed: %d, %v", n, err)
	}
	if r := f.row(t, id); r.state != "pending" || !r.inFuture || r.due.Before(now.Add(time.Minute)) {
		t.Fatalf("before the media delay: %+v", r)
	}
	if f.images.Load() != 0 {
		t.Fatalf("the camera cloud was asked %d times before the media delay", f.images.Load())
	}

	// A minute and a half later.
	f.clock.Advance(90 * time.Second)
	f.dueNow(t, id)
	if n, err := fe.FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("fetch: %d, %v", n, err)
	}
	r := f.row(t, id)
	if r.state != "ready" || r.bytes != len(r.image) || r.due != nil {
		t.Fatalf("after the media delay: state %s, %d bytes", r.state, r.bytes)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.image))
	if err != nil || cfg.Width != 320 || cfg.Height != 180 {
		t.Fatalf("stored still: %+v, %v", cfg, err)
	}
	t.Logf("a 320×180 still: %d bytes", len(r.image))

	st, err := stills.NewReader(f.pool).Read(ctx, f.tenantID, id)
	if err != nil || st.State != stills.Ready || !bytes.Equal(st.Image, r.image) || st.CameraID != f.cameraID || st.ETag() == "" {
		t.Fatalf("read: %+v, %v", st.State, err)
	}
}

// Where the camera cloud's clock says the recording is not there yet, the
// still stays pending and due again, without counting a failure.
func TestNotYetAvailableStaysPending(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.sale(t, "payment", f.clock.Now())
	f.dueNow(t, id)
	if n, err := f.fetcher(stills.Config{}).FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("fetch: %d, %v", n, err)
	}
	if r := f.row(t, id); r.state != "pending" || r.attempts != 0 || !r.inFuture {
		t.Fatalf("not yet available: %+v", r)
	}
}

// A sale in a power cut has no picture: no_recording, final.
func TestNoRecordingInAPowerCut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.sale(t, "payment", f.cutFrom.Add(10*time.Minute))
	if n, err := f.fetcher(stills.Config{}).FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("fetch: %d, %v", n, err)
	}
	r := f.row(t, id)
	if r.state != "no_recording" || r.image != nil || r.due != nil || r.lastErr == nil {
		t.Fatalf("in a power cut: %+v", r)
	}
	st, err := stills.NewReader(f.pool).Read(ctx, f.tenantID, id)
	if err != nil || st.State != stills.NoRecording || st.ETag() != "" {
		t.Fatalf("read: %+v, %v", st, err)
	}
}

// The camera cloud down: tried again with backoff, unreachable after the
// last try (and asked again much later), ready once it answers again.
func TestCloudDownBacksOffThenUnreachable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := f.fetcher(stills.Config{MaxAttempts: 3, BackoffMax: time.Hour})
	id := f.sale(t, "cancel", f.clock.Now().Add(-5*time.Minute))
	f.down.Store(true)
	for attempt := 1; attempt <= 3; attempt++ {
		f.dueNow(t, id)
		if n, err := fe.FetchDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: %d, %v", attempt, n, err)
		}
		r := f.row(t, id)
		want := "pending"
		if attempt == 3 {
			want = "unreachable"
		}
		if r.state != want || r.attempts != attempt || r.lastErr == nil || !strings.Contains(*r.lastErr, "unavailable") {
			t.Fatalf("attempt %d: %+v", attempt, r)
		}
	}
	var wait time.Duration
	if err := f.pool.QueryRow(ctx, `SELECT extract(epoch FROM due_at - now())::float8 * interval '1 second'
		FROM transaction_stills WHERE transaction_id = $1`, id).Scan(&wait); err != nil {
		t.Fatal(err)
	}
	if wait < 50*time.Minute {
		t.Fatalf("an unreachable still is asked again after %v", wait)
	}
	if n, _ := fe.FetchDue(ctx); n != 0 {
		t.Fatal("an unreachable still claimed before its time")
	}
	f.down.Store(false)
	f.dueNow(t, id)
	if n, err := fe.FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if r := f.row(t, id); r.state != "ready" || r.attempts != 0 || r.lastErr != nil {
		t.Fatalf("after the cloud came back: %+v", r)
	}
}

// A key the camera cloud refuses makes the still unreachable at once,
// with the reason.
func TestRefusedKeyIsUnreachableAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.sim.RevokeKey(apiKey); err != nil {
		t.Fatal(err)
	}
	id := f.sale(t, "payment", f.clock.Now().Add(-5*time.Minute))
	if n, err := f.fetcher(stills.Config{}).FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("fetch: %d, %v", n, err)
	}
	if r := f.row(t, id); r.state != "unreachable" || r.attempts != 1 || r.lastErr == nil || !strings.Contains(*r.lastErr, "refused") {
		t.Fatalf("refused key: %+v", r)
	}
}

// キャンセル / 修正 / 削除 are fetched before any payment, and kept whatever
// the cache's budget; a payment that becomes one is fetched again and kept.
func TestEvidenceFirstAndNeverEvicted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	var payments []int64
	for i := range 3 {
		payments = append(payments, f.sale(t, "payment", now.Add(-time.Duration(2+i)*time.Minute)))
	}
	evidence := map[string]int64{}
	for i, kind := range []string{"cancel", "modify", "delete"} {
		evidence[kind] = f.sale(t, kind, now.Add(-time.Duration(10+i)*time.Minute))
	}
	fe := f.fetcher(stills.Config{Concurrency: 3, CacheBytes: 1})
	if n, err := fe.FetchDue(ctx); err != nil || n != 3 {
		t.Fatalf("first round: %d, %v", n, err)
	}
	for kind, id := range evidence {
		if r := f.row(t, id); r.state != "ready" || !r.keep {
			t.Errorf("%s after the first round: %+v", kind, r)
		}
	}
	for _, id := range payments {
		if r := f.row(t, id); r.state != "pending" {
			t.Errorf("a payment fetched before the evidence: %+v", r)
		}
	}
	if n, err := fe.FetchDue(ctx); err != nil || n != 3 {
		t.Fatalf("second round: %d, %v", n, err)
	}
	if err := fe.Trim(ctx); err != nil {
		t.Fatal(err)
	}
	for kind, id := range evidence {
		if r := f.row(t, id); r.state != "ready" || len(r.image) == 0 {
			t.Errorf("%s evicted: %+v", kind, r)
		}
	}
	for _, id := range payments {
		if r := f.row(t, id); r.state != "evicted" || r.image != nil {
			t.Errorf("a payment kept over a budget of one byte: %+v", r)
		}
	}
	// The first payment is cancelled later: its still is fetched again and kept.
	if _, err := f.pool.Exec(ctx, `UPDATE pos_transactions SET kind = 'cancel' WHERE id = $1`, payments[0]); err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, payments[0]); r.state != "pending" || !r.keep {
		t.Fatalf("a payment become キャンセル: %+v", r)
	}
	if n, err := fe.FetchDue(ctx); err != nil || n != 1 {
		t.Fatalf("refetch: %d, %v", n, err)
	}
	if err := fe.Trim(ctx); err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, payments[0]); r.state != "ready" || !r.keep {
		t.Fatalf("a キャンセル's still after the trim: %+v", r)
	}
}

// The payments' images stay within the budget: the oldest sales go first.
func TestEvictionKeepsTheCacheUnderBudget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	var ids []int64
	for i := range 8 {
		ids = append(ids, f.sale(t, "payment", now.Add(-time.Duration(2+i)*time.Minute)))
	}
	if n, err := f.fetcher(stills.Config{Concurrency: 8}).FetchDue(ctx); err != nil || n != len(ids) {
		t.Fatalf("fetch: %d, %v", n, err)
	}
	var total, largest int64
	for _, id := range ids {
		r := f.row(t, id)
		if r.state != "ready" {
			t.Fatalf("not fetched: %+v", r)
		}
		total += int64(r.bytes)
		largest = max(largest, int64(r.bytes))
	}
	budget := total / 2
	fe := f.fetcher(stills.Config{CacheBytes: budget})
	if err := fe.Trim(ctx); err != nil {
		t.Fatal(err)
	}
	var kept int64
	evictedSeen := false
	for _, id := range ids { // newest first
		r := f.row(t, id)
		switch r.state {
		case "ready":
			if evictedSeen {
				t.Errorf("a newer sale evicted before an older one")
			}
			kept += int64(r.bytes)
		case "evicted":
			evictedSeen = true
		default:
			t.Errorf("state %s", r.state)
		}
	}
	if kept > budget || kept < budget-largest {
		t.Fatalf("kept %d bytes of %d for a budget of %d", kept, total, budget)
	}
	t.Logf("8 stills of %d bytes, budget %d: %d kept", total, budget, kept)
}

// A payment sold before the window gets no still (shown as not kept); one
// of another tenant is not found.
func TestOldPaymentsAndOtherTenants(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.sale(t, "payment", f.clock.Now().Add(-80*time.Hour))
	oldCancel := f.sale(t, "cancel", f.clock.Now().Add(-80*time.Hour))
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM transaction_stills WHERE transaction_id = $1`, old).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a payment before the window has a still row: %d, %v", n, err)
	}
	if r := f.row(t, oldCancel); r.state != "pending" || !r.keep {
		t.Fatalf("an old キャンセル: %+v", r)
	}
	rd := stills.NewReader(f.pool)
	if st, err := rd.Read(ctx, f.tenantID, old); err != nil || st.State != stills.Evicted {
		t.Fatalf("old payment: %+v, %v", st, err)
	}
	var other int64
	f.exec(t, `INSERT INTO tenants (name) VALUES ('別の店') RETURNING id`, &other)
	var e *apperr.Error
	if _, err := rd.Read(ctx, other, oldCancel); !errors.As(err, &e) || e.Kind != apperr.NotFound {
		t.Fatalf("another tenant's still: %v", err)
	}
}

// The camera cloud's error message is kept in the still's last error; one
// holding a NUL (which PostgreSQL's text refuses) or a direction control
// is stored cleaned, so that the failure is recorded like any other
// rather than the still being claimed again and again.
func TestErrorMessageWithNULIsRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.downMessage = "maintenance\x00window \u202Etxt.exe"
	f.down.Store(true)
	fe := f.fetcher(stills.Config{MaxAttempts: 2, BackoffMax: time.Hour})
	id := f.sale(t, "payment", f.clock.Now().Add(-5*time.Minute))
	for attempt, want := range []string{"pending", "unreachable"} {
		f.dueNow(t, id)
		if n, err := fe.FetchDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: %d, %v", attempt+1, n, err)
		}
		r := f.row(t, id)
		if r.state != want || r.attempts != attempt+1 || r.lastErr == nil {
			t.Fatalf("attempt %d: the failure is not recorded: %+v", attempt+1, r)
		}
		if !strings.Contains(*r.lastErr, "maintenance window txt.exe") {
			t.Fatalf("attempt %d: last error %q", attempt+1, *r.lastErr)
		}
	}
}
