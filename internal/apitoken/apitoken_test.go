package apitoken_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var actor = audit.Actor{Label: "owner@shop.example"}

// clock is a movable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	pool   *pgxpool.Pool
	tokens *apitoken.Store
	clock  *clock
	a, b   int64 // two tenants
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	ts := tenancy.NewStore(pool, clk.now, time.UTC)
	fx := &fixture{pool: pool, tokens: apitoken.NewStore(pool, clk.now), clock: clk}
	for i, id := range []*int64{&fx.a, &fx.b} {
		tn, err := ts.CreateTenant(context.Background(), actor, tenancy.TenantInput{Name: fmt.Sprintf("店 %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		*id = tn.ID
	}
	return fx
}

func (fx *fixture) create(t *testing.T, tenant int64, in apitoken.Input) apitoken.Created {
	t.Helper()
	c, err := fx.tokens.Create(context.Background(), actor, tenant, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

func wantKey(t *testing.T, err error, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Key != key {
		t.Fatalf("error %v, want %s", err, key)
	}
}

// A token is shown once: its secret is in Create's answer, recognisable and
// high-entropy, and nowhere in the database — not as text, not as bytes,
// not in the audit log.
func TestTokenShownOnceAndHashedAtRest(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	c := fx.create(t, fx.a, apitoken.Input{Name: " 事務所のビューア "})
	if !strings.HasPrefix(c.Secret, apitoken.Prefix) || len(c.Secret) != len(apitoken.Prefix)+43 || c.Name != "事務所のビューア" {
		t.Fatalf("created %+v", c)
	}
	if other := fx.create(t, fx.a, apitoken.Input{Name: "二つ目"}); other.Secret == c.Secret {
		t.Fatal("two tokens alike")
	}
	var hits int
	if err := fx.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM api_tokens t WHERE t::text LIKE '%' || $1 || '%'
			OR position(convert_to($1, 'UTF8') in t.token_hash) > 0)
		     + (SELECT count(*) FROM audit_log a WHERE a::text LIKE '%' || $1 || '%')`,
		c.Secret[len(apitoken.Prefix):]).Scan(&hits); err != nil {
		t.Fatal(err)
	}
	if hits != 0 {
		t.Errorf("the token's secret is in the database (%d rows)", hits)
	}
	list, err := fx.tokens.List(ctx, fx.a)
	if err != nil || len(list) != 2 || list[1].ID != c.ID || !list[1].LastUsedAt.IsZero() || !list[1].Active(fx.clock.now()) {
		t.Fatalf("list %+v, %v", list, err)
	}
	p, err := fx.tokens.Authenticate(ctx, c.Secret)
	if err != nil || p != (apitoken.Principal{TenantID: fx.a, TokenID: c.ID}) {
		t.Fatalf("authenticate: %+v, %v", p, err)
	}
	entries, err := audit.List(ctx, fx.pool, audit.Filter{TenantID: fx.a})
	if err != nil {
		t.Fatal(err)
	}
	var created int
	for _, e := range entries {
		if e.Action == "api_token.create" {
			created++
		}
	}
	if created != 2 {
		t.Errorf("%d creations audited", created)
	}
}

// What is not a live token of some tenant is refused, each with its reason.
func TestAuthenticateRefuses(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	live := fx.create(t, fx.a, apitoken.Input{Name: "live"})
	expiring := fx.create(t, fx.a, apitoken.Input{Name: "exp", ExpiresAt: fx.clock.now().Add(time.Hour)})
	revoked := fx.create(t, fx.a, apitoken.Input{Name: "rev"})
	if err := fx.tokens.Revoke(ctx, actor, fx.a, revoked.ID); err != nil {
		t.Fatal(err)
	}
	// Another tenant cannot revoke a token it does not hold.
	if err := fx.tokens.Revoke(ctx, actor, fx.b, live.ID); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("revoke of another tenant's token: %v", err)
	}
	unknown := apitoken.Prefix + strings.Repeat("A", 43)
	for name, c := range map[string]struct {
		token, key string
	}{
		"empty":          {"", "err.api_token_invalid"},
		"no prefix":      {live.Secret[len(apitoken.Prefix):], "err.api_token_invalid"},
		"short":          {live.Secret[:20], "err.api_token_invalid"},
		"one more char":  {live.Secret + "A", "err.api_token_invalid"},
		"not base64url":  {apitoken.Prefix + strings.Repeat("+", 43), "err.api_token_invalid"},
		"NUL":            {apitoken.Prefix + strings.Repeat("\x00", 43), "err.api_token_invalid"},
		"unknown":        {unknown, "err.api_token_invalid"},
		"revoked":        {revoked.Secret, "err.api_token_revoked"},
		"changed a char": {live.Secret[:len(live.Secret)-1] + flip(live.Secret[len(live.Secret)-1]), "err.api_token_invalid"},
	} {
		_, err := fx.tokens.Authenticate(ctx, c.token)
		if apperr.KindOf(err) != apperr.Unauthorized {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wantKey(t, err, c.key)
	}
	if _, err := fx.tokens.Authenticate(ctx, expiring.Secret); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	fx.clock.add(time.Hour)
	_, err := fx.tokens.Authenticate(ctx, expiring.Secret)
	wantKey(t, err, "err.api_token_expired")
	if _, err := fx.tokens.Authenticate(ctx, live.Secret); err != nil {
		t.Fatalf("a live token: %v", err)
	}
	// Revoking twice records once.
	if err := fx.tokens.Revoke(ctx, actor, fx.a, revoked.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := fx.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'api_token.revoke'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d revocations audited, %v", n, err)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// lastUsed is the token's row as stored: its last use (zero for NULL) and
// its version (xmin), which any write to the row changes.
func (fx *fixture) lastUsed(t *testing.T, id int64) (time.Time, string) {
	t.Helper()
	var at *time.Time
	var xmin string
	if err := fx.pool.QueryRow(context.Background(), `SELECT last_used_at, xmin::text FROM api_tokens WHERE id = $1`, id).
		Scan(&at, &xmin); err != nil {
		t.Fatal(err)
	}
	if at == nil {
		return time.Time{}, xmin
	}
	return *at, xmin
}

func (fx *fixture) authenticate(t *testing.T, secret string) {
	t.Helper()
	if _, err := fx.tokens.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("authenticate: %v", err)
	}
}

// A request writes nothing: its use is noted in memory, which this
// instance's list shows at once, and another instance's list does not
// until the flush.
func TestAuthenticateWritesNothing(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	c := fx.create(t, fx.a, apitoken.Input{Name: "viewer"})
	_, version := fx.lastUsed(t, c.ID)
	for range 5 {
		fx.authenticate(t, c.Secret)
		fx.clock.add(30 * time.Second)
	}
	if at, v := fx.lastUsed(t, c.ID); !at.IsZero() || v != version {
		t.Fatalf("requests wrote the row: last used %v, version %s → %s", at, version, v)
	}
	want := fx.clock.now().Add(-30 * time.Second)
	list, err := fx.tokens.List(ctx, fx.a)
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(want) {
		t.Fatalf("this instance's list %+v, %v; want last used %v", list, err, want)
	}
	if got, err := fx.tokens.Get(ctx, fx.a, c.ID); err != nil || !got.LastUsedAt.Equal(want) {
		t.Fatalf("get %+v, %v", got, err)
	}
	other := apitoken.NewStore(fx.pool, fx.clock.now)
	if list, err := other.List(ctx, fx.a); err != nil || !list[0].LastUsedAt.IsZero() {
		t.Fatalf("another instance's list before the flush %+v, %v", list, err)
	}
	if n, err := fx.tokens.FlushUses(ctx); err != nil || n != 1 {
		t.Fatalf("flush: %d rows, %v", n, err)
	}
	if list, err := other.List(ctx, fx.a); err != nil || !list[0].LastUsedAt.Equal(want) {
		t.Fatalf("another instance's list after the flush %+v, %v", list, err)
	}
}

// A flush writes each token's latest use once, in one statement; a second
// flush with nothing new writes nothing; a time is never moved backwards,
// whichever instance flushes last.
func TestFlushWritesLatestUseOnce(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	c1 := fx.create(t, fx.a, apitoken.Input{Name: "one"})
	c2 := fx.create(t, fx.b, apitoken.Input{Name: "two"})
	idle := fx.create(t, fx.a, apitoken.Input{Name: "idle"})
	_, idleVersion := fx.lastUsed(t, idle.ID)
	start := fx.clock.now()
	for range 3 {
		fx.authenticate(t, c1.Secret)
		fx.authenticate(t, c2.Secret)
		fx.clock.add(10 * time.Second)
	}
	fx.authenticate(t, c1.Secret)
	if n, err := fx.tokens.FlushUses(ctx); err != nil || n != 2 {
		t.Fatalf("flush: %d rows, %v", n, err)
	}
	at1, v1 := fx.lastUsed(t, c1.ID)
	at2, _ := fx.lastUsed(t, c2.ID)
	if !at1.Equal(start.Add(30*time.Second)) || !at2.Equal(start.Add(20*time.Second)) {
		t.Fatalf("last used %v and %v", at1, at2)
	}
	if at, v := fx.lastUsed(t, idle.ID); !at.IsZero() || v != idleVersion {
		t.Fatalf("an unused token was written: %v", at)
	}
	if n, err := fx.tokens.FlushUses(ctx); err != nil || n != 0 {
		t.Fatalf("a flush with nothing noted: %d rows, %v", n, err)
	}
	if _, v := fx.lastUsed(t, c1.ID); v != v1 {
		t.Fatal("a flush with nothing noted wrote the row")
	}

	// Two instances: the one whose use is later flushes first; the other's
	// earlier use does not move the time back, nor write the row.
	other := apitoken.NewStore(fx.pool, func() time.Time { return start.Add(40 * time.Second) })
	if _, err := other.Authenticate(ctx, c1.Secret); err != nil {
		t.Fatal(err)
	}
	fx.clock.add(time.Minute)
	fx.authenticate(t, c1.Secret)
	latest := fx.clock.now()
	if n, err := fx.tokens.FlushUses(ctx); err != nil || n != 1 {
		t.Fatalf("flush: %d rows, %v", n, err)
	}
	_, v1 = fx.lastUsed(t, c1.ID)
	if n, err := other.FlushUses(ctx); err != nil || n != 0 {
		t.Fatalf("the earlier use's flush: %d rows, %v", n, err)
	}
	if at, v := fx.lastUsed(t, c1.ID); !at.Equal(latest) || v != v1 {
		t.Fatalf("last used %v (version %s → %s), want %v untouched", at, v1, v, latest)
	}
}

// A flush that fails keeps its uses for the next one.
func TestFailedFlushKeepsUses(t *testing.T) {
	fx := newFixture(t)
	c := fx.create(t, fx.a, apitoken.Input{Name: "viewer"})
	fx.authenticate(t, c.Secret)
	used := fx.clock.now()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fx.tokens.FlushUses(cancelled); err == nil {
		t.Fatal("a flush on a cancelled context succeeded")
	}
	if n, err := fx.tokens.FlushUses(context.Background()); err != nil || n != 1 {
		t.Fatalf("the next flush: %d rows, %v", n, err)
	}
	if at, _ := fx.lastUsed(t, c.ID); !at.Equal(used) {
		t.Fatalf("last used %v, want %v", at, used)
	}
}

// The flusher writes once more when it is stopped, so a clean stop loses
// no noted use.
func TestFlusherWritesOnStop(t *testing.T) {
	fx := newFixture(t)
	c := fx.create(t, fx.a, apitoken.Input{Name: "viewer"})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fx.tokens.RunUseFlusher(ctx, slog.New(slog.DiscardHandler))
	}()
	fx.authenticate(t, c.Secret)
	used := fx.clock.now()
	stop()
	<-done
	if at, _ := fx.lastUsed(t, c.ID); !at.Equal(used) {
		t.Fatalf("after the stop: last used %v, want %v", at, used)
	}
}

// Many requests at once, on several tokens, while flushes run: no race
// (go test -race), no use lost, no error.
func TestConcurrentAuthenticate(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	var secrets []string
	var ids []int64
	for i := range 8 {
		c := fx.create(t, []int64{fx.a, fx.b}[i%2], apitoken.Input{Name: fmt.Sprintf("t%d", i)})
		secrets, ids = append(secrets, c.Secret), append(ids, c.ID)
	}
	flushing, stopFlushing := context.WithCancel(ctx)
	flushed := make(chan error, 1)
	go func() {
		var err error
		for flushing.Err() == nil && err == nil {
			_, err = fx.tokens.FlushUses(ctx)
		}
		flushed <- err
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := fx.tokens.Authenticate(ctx, secrets[(g+i)%len(secrets)]); err != nil {
					errs <- err
					return
				}
				if i%5 == 0 {
					if _, err := fx.tokens.List(ctx, fx.a); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	stopFlushing()
	if err := <-flushed; err != nil {
		t.Fatalf("flush during the requests: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := fx.tokens.FlushUses(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if at, _ := fx.lastUsed(t, id); !at.Equal(fx.clock.now()) {
			t.Errorf("token %d: last used %v", id, at)
		}
	}
}

// Whether a token is live is read from the database on every request: a
// token revoked through another instance, or past its expiry, is refused
// on the next request, though its use was just noted.
func TestRevokedOrExpiredRefusedAtOnce(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	c := fx.create(t, fx.a, apitoken.Input{Name: "viewer"})
	exp := fx.create(t, fx.a, apitoken.Input{Name: "exp", ExpiresAt: fx.clock.now().Add(time.Second)})
	fx.authenticate(t, c.Secret)
	fx.authenticate(t, exp.Secret)
	other := apitoken.NewStore(fx.pool, fx.clock.now)
	if err := other.Revoke(ctx, actor, fx.a, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err := fx.tokens.Authenticate(ctx, c.Secret)
	wantKey(t, err, "err.api_token_revoked")
	fx.clock.add(time.Second)
	_, err = fx.tokens.Authenticate(ctx, exp.Secret)
	wantKey(t, err, "err.api_token_expired")
}

// A name and an expiry are checked before anything is saved.
func TestCreateRefusesBadInput(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for name, c := range map[string]struct {
		in    apitoken.Input
		field string
	}{
		"empty name":     {apitoken.Input{Name: "  "}, "name"},
		"long name":      {apitoken.Input{Name: strings.Repeat("名", 101)}, "name"},
		"bidi name":      {apitoken.Input{Name: "abc\u202Eexe"}, "name"},
		"NUL name":       {apitoken.Input{Name: "a\x00b"}, "name"},
		"expiry now":     {apitoken.Input{Name: "x", ExpiresAt: fx.clock.now()}, "expires"},
		"expiry in past": {apitoken.Input{Name: "x", ExpiresAt: fx.clock.now().Add(-time.Hour)}, "expires"},
	} {
		_, err := fx.tokens.Create(ctx, actor, fx.a, c.in)
		if got := apperr.FieldNames(err); len(got) != 1 || got[0] != c.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	if list, _ := fx.tokens.List(ctx, fx.a); len(list) != 0 {
		t.Errorf("saved %d", len(list))
	}
}

// At most MaxActive usable tokens per tenant, also under concurrent
// creates; revoked and expired ones do not count.
func TestActiveTokensBounded(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.create(t, fx.a, apitoken.Input{Name: "short", ExpiresAt: fx.clock.now().Add(time.Minute)})
	var wg sync.WaitGroup
	errs := make(chan error, apitoken.MaxActive+5)
	for i := range apitoken.MaxActive + 5 {
		wg.Go(func() {
			_, err := fx.tokens.Create(ctx, actor, fx.a, apitoken.Input{Name: fmt.Sprintf("t%d", i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, refused int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.KindOf(err) == apperr.Conflict:
			refused++
		default:
			t.Fatal(err)
		}
	}
	if ok != apitoken.MaxActive-1 || refused != 6 {
		t.Fatalf("%d created, %d refused", ok, refused)
	}
	fx.clock.add(time.Minute)
	fx.create(t, fx.a, apitoken.Input{Name: "after the first expired"})
	// Another tenant has its own bound.
	fx.create(t, fx.b, apitoken.Input{Name: "b"})
}
