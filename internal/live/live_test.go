package live_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/live"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// shop is a tenant with a POS connection and cameras, made in SQL.
type shop struct {
	tenant, conn int64
	cameras      []int64
}

func newShop(t *testing.T, pool *pgxpool.Pool, cameras int) shop {
	t.Helper()
	ctx := t.Context()
	var s shop
	if err := pool.QueryRow(ctx, `INSERT INTO tenants (name) VALUES ('shop') RETURNING id`).Scan(&s.tenant); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		VALUES ($1::int8, 'smaregi', 'sk' || $1::text, 'client_credentials', '\x00') RETURNING id`, s.tenant).Scan(&s.conn); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `INSERT INTO cameras (tenant_id, device_id, name)
		SELECT $1::int8, 'cam-' || $1::text || '-' || g, 'camera' FROM generate_series(1, $2) g RETURNING id`, s.tenant, cameras)
	if err != nil {
		t.Fatal(err)
	}
	if s.cameras, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	return s
}

// insertSQL inserts one sale per camera of $3 for tenant $1, connection $2.
const insertSQL = `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key, terminal_name, camera_id,
	sold_at, sold_utc_offset, kind, total, deposit, change, receipt_no, staff, provider_updated_at, raw)
SELECT $1, $2, gen_random_uuid()::text, 'r1', 'レジ1', c, now(), 32400, 'payment', 1200, 2000, 800, 'R-' || c, '山田',
       now(), '{}' FROM unnest($3::int8[]) c
RETURNING id`

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func sell(t *testing.T, q querier, s shop, cameras ...int64) []int64 {
	t.Helper()
	rows, err := q.Query(t.Context(), insertSQL, s.tenant, s.conn, cameras)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// ear hears the channel, as a test's witness of what was announced.
type ear chan string

func listen(t *testing.T, pool *pgxpool.Pool) ear {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+live.Channel); err != nil {
		t.Fatal(err)
	}
	e := make(ear, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				return
			}
			e <- n.Payload
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = conn.Close(context.Background())
	})
	return e
}

// heard is what was announced until nothing more came for wait.
func (e ear) heard(wait time.Duration) []string {
	var out []string
	for {
		select {
		case p := <-e:
			out = append(out, p)
		case <-time.After(wait):
			return out
		}
	}
}

type payload struct {
	Tenant  int64   `json:"tenant"`
	Cameras []int64 `json:"cameras"`
}

func parse(t *testing.T, s string) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("payload %q: %v", s, err)
	}
	return p
}

// A batch is announced once, when it commits, naming the tenant and its
// cameras; a rolled-back batch is never announced; sales without a camera
// are not announced.
func TestAnnouncedOncePerCommittedBatch(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	a, b := newShop(t, pool, 3), newShop(t, pool, 1)
	ear := listen(t, pool)

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sell(t, tx, a, a.cameras[0], a.cameras[1], a.cameras[0])
	if got := ear.heard(200 * time.Millisecond); len(got) != 0 {
		t.Fatalf("heard before the commit: %v", got)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ear.heard(300 * time.Millisecond); len(got) != 0 {
		t.Fatalf("a rolled-back batch was announced: %v", got)
	}

	// One batch as the poller writes it: a COPY, then a commit.
	tx, err = pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := range 50 {
		cam := a.cameras[i%2]
		rows = append(rows, []any{a.tenant, a.conn, "copy-" + string(rune('a'+i%26)) + time.Now().Format("150405.000000000") + string(rune('A'+i/26)),
			"r1", cam, time.Now(), int32(32400), "payment", int64(100), int64(100), int64(0), time.Now(), "{}"})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pos_transactions"}, []string{"tenant_id", "connection_id", "provider_txn_id",
		"terminal_key", "camera_id", "sold_at", "sold_utc_offset", "kind", "total", "deposit", "change", "provider_updated_at", "raw"},
		pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := ear.heard(300 * time.Millisecond)
	if len(got) != 1 {
		t.Fatalf("a batch of 50 rows was announced %d times: %v", len(got), got)
	}
	if p := parse(t, got[0]); p.Tenant != a.tenant || !slices.Equal(p.Cameras, a.cameras[:2]) {
		t.Errorf("announced %+v, want tenant %d cameras %v", p, a.tenant, a.cameras[:2])
	}

	// Sales of no camera: nothing to tell.
	if _, err := pool.Exec(ctx, `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key, sold_at,
		sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		VALUES ($1, $2, 'unbound', 'r9', now(), 32400, 'payment', 1, 1, 0, now(), '{}')`, b.tenant, b.conn); err != nil {
		t.Fatal(err)
	}
	if got := ear.heard(300 * time.Millisecond); len(got) != 0 {
		t.Errorf("sales of no camera announced: %v", got)
	}
}

// A batch over many cameras stays far within NOTIFY's 8000 bytes: it says
// "every camera of the tenant" instead of listing them.
func TestAnnouncementOfManyCamerasIsBounded(t *testing.T) {
	pool := dbtest.New(t)
	s := newShop(t, pool, 201)
	ear := listen(t, pool)
	sell(t, pool, s, s.cameras...)
	got := ear.heard(300 * time.Millisecond)
	if len(got) != 1 {
		t.Fatalf("heard %v", got)
	}
	if p := parse(t, got[0]); p.Tenant != s.tenant || p.Cameras != nil || len(got[0]) > 100 {
		t.Errorf("announced %q, want the tenant without a list", got[0])
	}
	sell(t, pool, s, s.cameras[:200]...)
	got = ear.heard(300 * time.Millisecond)
	if len(got) != 1 || len(parse(t, got[0]).Cameras) != 200 || len(got[0]) > 8000 {
		t.Errorf("200 cameras announced as %d notifications, %d bytes", len(got), len(got[0]))
	}
}

func runHub(t *testing.T, pool *pgxpool.Pool) *live.Hub {
	t.Helper()
	h := live.New(pool.Config().ConnConfig, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the hub did not stop within 5 s")
		}
	})
	return h
}

func woken(s *live.Subscription, wait time.Duration) bool {
	select {
	case <-s.Wake():
		return true
	case <-time.After(wait):
		return false
	}
}

// Subscribers are woken for their tenant's camera only; a subscriber that
// does not read holds nobody up, and finds one wake pending for all it
// missed.
func TestHubWakesTheSubscribersOfTheCamera(t *testing.T) {
	pool := dbtest.New(t)
	a, b := newShop(t, pool, 2), newShop(t, pool, 1)
	h := runHub(t, pool)
	subA0, subA1, subB := h.Subscribe(a.tenant, a.cameras[0]), h.Subscribe(a.tenant, a.cameras[1]), h.Subscribe(b.tenant, b.cameras[0])
	// Another tenant naming a's camera: never woken by a's sales.
	crossed := h.Subscribe(b.tenant, a.cameras[0])
	slow := h.Subscribe(a.tenant, a.cameras[0])
	for _, s := range []*live.Subscription{subA0, subA1, subB, crossed, slow} {
		if !woken(s, 5*time.Second) {
			t.Fatal("no wake when the hub began listening")
		}
	}
	for range 3 {
		sell(t, pool, a, a.cameras[0])
		if !woken(subA0, 5*time.Second) {
			t.Fatal("the camera's subscriber was not woken")
		}
	}
	if woken(subA1, 200*time.Millisecond) || woken(subB, 10*time.Millisecond) || woken(crossed, 10*time.Millisecond) {
		t.Error("a subscriber of another camera or tenant was woken")
	}
	if !woken(slow, 10*time.Millisecond) || woken(slow, 200*time.Millisecond) {
		t.Error("the slow subscriber should find exactly one wake pending")
	}
	subA0.Close()
	sell(t, pool, a, a.cameras[0])
	if woken(subA0, 300*time.Millisecond) {
		t.Error("a closed subscription was woken")
	}
}

// The listening connection killed: the hub connects again, wakes every
// subscriber to read what it may have missed, and hears what comes next.
func TestHubReconnectsAndResyncs(t *testing.T) {
	pool := dbtest.New(t)
	s := newShop(t, pool, 1)
	h := runHub(t, pool)
	sub := h.Subscribe(s.tenant, s.cameras[0])
	if !woken(sub, 5*time.Second) {
		t.Fatal("no wake when the hub began listening")
	}
	listening := func() []int32 {
		rows, err := pool.Query(t.Context(), `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN '||$1 AND pid <> pg_backend_pid()`, `"`+live.Channel+`"`)
		if err != nil {
			t.Fatal(err)
		}
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			t.Fatal(err)
		}
		return pids
	}
	before := listening()
	if len(before) != 1 {
		t.Fatalf("%d listening connections, want the hub's one", len(before))
	}
	for range 2 {
		if _, err := pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, listening()[0]); err != nil {
			t.Fatal(err)
		}
		if !woken(sub, 10*time.Second) {
			t.Fatal("no resync after the listening connection was killed")
		}
	}
	if after := listening(); len(after) != 1 || after[0] == before[0] {
		t.Fatalf("listening on %v after the kill, before on %v", after, before)
	}
	sell(t, pool, s, s.cameras[0])
	if !woken(sub, 5*time.Second) {
		t.Fatal("a sale after the reconnect was not heard")
	}
}

// Stopped, the hub ends every subscription, and later ones at once.
func TestHubStopEndsSubscriptions(t *testing.T) {
	pool := dbtest.New(t)
	h := live.New(pool.Config().ConnConfig, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	sub := h.Subscribe(1, 1)
	cancel()
	<-done
	for _, s := range []*live.Subscription{sub, h.Subscribe(1, 1)} {
		select {
		case <-s.Done():
		case <-time.After(time.Second):
			t.Fatal("a subscription outlived the hub")
		}
	}
}

func ids(txns []live.Transaction) []int64 {
	out := make([]int64, len(txns))
	for i, t := range txns {
		out[i] = t.ID
	}
	return out
}

// A follower delivers each of its camera's transactions once, in ID order,
// resumes exactly after the ID it is given, and never another camera's or
// tenant's.
func TestFollowerDeliversEachOnce(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	a, b := newShop(t, pool, 2), newShop(t, pool, 1)
	first := sell(t, pool, a, a.cameras[0], a.cameras[0])
	f, err := live.Follow(ctx, pool, a.tenant, a.cameras[0], -1)
	if err != nil {
		t.Fatal(err)
	}
	if f.Start() < first[1] {
		t.Errorf("a follower from now starts at %d, before the stored %d", f.Start(), first[1])
	}
	got, err := f.Next(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("from now: %v, %v", ids(got), err)
	}
	sell(t, pool, a, a.cameras[1])
	sell(t, pool, b, b.cameras[0])
	want := sell(t, pool, a, a.cameras[0], a.cameras[1], a.cameras[0])
	want = []int64{want[0], want[2]}
	got, err = f.Next(ctx)
	if err != nil || !slices.Equal(ids(got), want) {
		t.Fatalf("got %v, %v; want %v", ids(got), err, want)
	}
	tx := got[0]
	if tx.Kind != "payment" || tx.Total != 1200 || tx.Deposit != 2000 || tx.Change != 800 || tx.TerminalName != "レジ1" || tx.Terminal != "r1" ||
		tx.Staff != "山田" || tx.ReceiptNo == "" {
		t.Errorf("row: %+v", tx)
	}
	if _, off := tx.SoldAt.Zone(); off != 32400 {
		t.Errorf("sold_at in zone offset %d, want the register's +09:00", off)
	}
	if got, err = f.Next(ctx); err != nil || len(got) != 0 {
		t.Errorf("delivered again: %v, %v", ids(got), err)
	}

	// A reconnect after the first of them: exactly the ones after it.
	resumed, err := live.Follow(ctx, pool, a.tenant, a.cameras[0], want[0])
	if err != nil {
		t.Fatal(err)
	}
	if got, err = resumed.Next(ctx); err != nil || !slices.Equal(ids(got), want[1:]) {
		t.Errorf("resumed after %d: %v, %v; want %v", want[0], ids(got), err, want[1:])
	}
	// Another tenant following a's camera sees nothing of it.
	crossed, err := live.Follow(ctx, pool, b.tenant, a.cameras[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = crossed.Next(ctx); err != nil || len(got) != 0 {
		t.Errorf("another tenant read %v, %v", ids(got), err)
	}
}

// Two polls commit at once: the page with the lower IDs becomes visible
// after the higher was delivered. The follower still delivers it.
func TestFollowerDeliversALowerIDCommittedLater(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	s := newShop(t, pool, 1)
	f, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], -1)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = slow.Rollback(ctx) }()
	low := sell(t, slow, s, s.cameras[0])
	high := sell(t, pool, s, s.cameras[0])
	if got, err := f.Next(ctx); err != nil || !slices.Equal(ids(got), high) {
		t.Fatalf("got %v, %v; want %v", ids(got), err, high)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Next(ctx); err != nil || !slices.Equal(ids(got), low) {
		t.Fatalf("after the slower commit: %v, %v; want %v", ids(got), err, low)
	}
}

// change stores a visible change of the transactions ids as the poller
// does (internal/poller's revise and reconcile): the kind, a revision, a
// new place in the change order.
func change(t *testing.T, pool *pgxpool.Pool, kind string, ids ...int64) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), `UPDATE pos_transactions
		SET kind = $1, revision = revision + 1, change_seq = pos_transactions_next_change(), updated_at = now()
		WHERE id = ANY($2)`, kind, ids); err != nil {
		t.Fatal(err)
	}
}

// A statement that stores changes is announced once, naming the cameras
// of the changed rows; an update that places nothing anew (a binding
// change re-attributing sales, a field nobody sees) is not announced.
func TestChangesAnnouncedOncePerStatement(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	s := newShop(t, pool, 3)
	sold := sell(t, pool, s, s.cameras[0], s.cameras[1], s.cameras[0], s.cameras[2])
	ear := listen(t, pool)

	change(t, pool, "cancel", sold[0], sold[1], sold[2])
	got := ear.heard(300 * time.Millisecond)
	if len(got) != 1 {
		t.Fatalf("three changes in one statement were announced %d times: %v", len(got), got)
	}
	if p := parse(t, got[0]); p.Tenant != s.tenant || !slices.Equal(p.Cameras, s.cameras[:2]) {
		t.Errorf("announced %+v, want tenant %d cameras %v", p, s.tenant, s.cameras[:2])
	}

	for _, quiet := range []string{
		`UPDATE pos_transactions SET terminal_name = 'レジ2' WHERE id = ANY($1)`,
		`UPDATE pos_transactions SET raw = '{"sumDivision": "2"}', updated_at = now() WHERE id = ANY($1)`,
		`UPDATE pos_transactions SET camera_id = NULL WHERE id = ANY($1)`,
		`UPDATE pos_transactions SET kind = kind WHERE false AND id = ANY($1)`,
	} {
		if _, err := pool.Exec(ctx, quiet, sold); err != nil {
			t.Fatal(err)
		}
		if got := ear.heard(200 * time.Millisecond); len(got) != 0 {
			t.Errorf("%s was announced: %v", quiet, got)
		}
	}
}

// A transaction changed after a stream delivered it comes again in its new
// version, once; so does a change of a transaction stored before the
// stream began. A stream resumed after its last event (Last-Event-ID)
// gets exactly the changes it missed, and an event ID of before changes
// were streamed (a transaction ID) is still a place to resume from.
func TestFollowerDeliversChangesOnce(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	s := newShop(t, pool, 2)
	before := sell(t, pool, s, s.cameras[0])
	f, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], -1)
	if err != nil {
		t.Fatal(err)
	}
	sold := sell(t, pool, s, s.cameras[0], s.cameras[0])
	first, err := f.Next(ctx)
	if err != nil || !slices.Equal(ids(first), sold) {
		t.Fatalf("got %v, %v; want %v", ids(first), err, sold)
	}
	for _, tx := range first {
		if tx.Place != tx.ID || tx.Revision != 1 {
			t.Errorf("a new transaction %d at place %d, revision %d", tx.ID, tx.Place, tx.Revision)
		}
	}
	// What a browser holds as Last-Event-ID when its connection drops.
	lastEvent := first[1].Place

	change(t, pool, "cancel", sold[0])
	change(t, pool, "delete", before[0])
	got, err := f.Next(ctx)
	if err != nil || !slices.Equal(ids(got), []int64{sold[0], before[0]}) {
		t.Fatalf("after the changes: %v, %v; want %v", ids(got), err, []int64{sold[0], before[0]})
	}
	if c := got[0]; c.Kind != "cancel" || c.Revision != 2 || c.Place <= lastEvent || c.Total != 1200 || c.ReceiptNo == "" {
		t.Errorf("the cancel came as %+v", c)
	}
	if d := got[1]; d.Kind != "delete" || d.Place <= got[0].Place {
		t.Errorf("the deletion came as %+v", d)
	}
	if again, err := f.Next(ctx); err != nil || len(again) != 0 {
		t.Errorf("delivered again: %v, %v", ids(again), err)
	}

	resumed, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], lastEvent)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := resumed.Next(ctx); err != nil || !slices.Equal(ids(got), []int64{sold[0], before[0]}) || got[0].Kind != "cancel" {
		t.Errorf("resumed after %d: %v, %v; want the two changes", lastEvent, ids(got), err)
	}
	if got, err := resumed.Next(ctx); err != nil || len(got) != 0 {
		t.Errorf("the resumed stream delivered again: %v, %v", ids(got), err)
	}
	// An event ID of before this change order: the transaction ID.
	old, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], sold[0])
	if err != nil {
		t.Fatal(err)
	}
	if got, err := old.Next(ctx); err != nil || !slices.Equal(ids(got), []int64{sold[1], sold[0], before[0]}) {
		t.Errorf("resumed after the transaction ID %d: %v, %v", sold[0], ids(got), err)
	}

	// The newest place is the newest change: a page read now streams
	// neither the changes nor the sales again.
	latest, err := live.Latest(ctx, pool)
	if err != nil || latest != got[1].Place {
		t.Errorf("latest %d, %v; want the deletion's place %d", latest, err, got[1].Place)
	}
	fromNow, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], -1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fromNow.Next(ctx); err != nil || len(got) != 0 {
		t.Errorf("a stream from now read %v, %v", ids(got), err)
	}
}

// Two changes commit at once: the one with the lower place becomes visible
// after the higher was delivered. The follower still delivers it.
func TestFollowerDeliversALowerChangeCommittedLater(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	s := newShop(t, pool, 1)
	sold := sell(t, pool, s, s.cameras[0], s.cameras[0])
	f, err := live.Follow(ctx, pool, s.tenant, s.cameras[0], -1)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = slow.Rollback(ctx) }()
	if _, err := slow.Exec(ctx, `UPDATE pos_transactions SET kind = 'cancel', change_seq = pos_transactions_next_change()
		WHERE id = $1`, sold[0]); err != nil {
		t.Fatal(err)
	}
	change(t, pool, "modify", sold[1])
	if got, err := f.Next(ctx); err != nil || !slices.Equal(ids(got), sold[1:]) {
		t.Fatalf("got %v, %v; want %v", ids(got), err, sold[1:])
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Next(ctx); err != nil || !slices.Equal(ids(got), sold[:1]) || got[0].Kind != "cancel" {
		t.Fatalf("after the slower commit: %v, %v; want %v", ids(got), err, sold[:1])
	}
}
