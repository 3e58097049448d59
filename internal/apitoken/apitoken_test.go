package apitoken_test

import (
	"context"
	"fmt"
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

// The last use is recorded on the first use and then at most once a
// minute: reads within the minute write nothing.
func TestLastUsedAtMostOnceAMinute(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	c := fx.create(t, fx.a, apitoken.Input{Name: "viewer"})
	lastUsed := func() (time.Time, int64) {
		t.Helper()
		var at time.Time
		var xmin int64
		if err := fx.pool.QueryRow(ctx, `SELECT last_used_at, xmin::text::bigint FROM api_tokens WHERE id = $1`, c.ID).
			Scan(&at, &xmin); err != nil {
			t.Fatal(err)
		}
		return at, xmin
	}
	start := fx.clock.now()
	if _, err := fx.tokens.Authenticate(ctx, c.Secret); err != nil {
		t.Fatal(err)
	}
	first, version := lastUsed()
	if !first.Equal(start) {
		t.Fatalf("last used %v, want %v", first, start)
	}
	for range 5 {
		fx.clock.add(10 * time.Second)
		if _, err := fx.tokens.Authenticate(ctx, c.Secret); err != nil {
			t.Fatal(err)
		}
	}
	if at, v := lastUsed(); !at.Equal(first) || v != version {
		t.Fatalf("within the minute the row was written: %v (version %d → %d)", at, version, v)
	}
	fx.clock.add(10 * time.Second)
	if _, err := fx.tokens.Authenticate(ctx, c.Secret); err != nil {
		t.Fatal(err)
	}
	if at, _ := lastUsed(); !at.Equal(start.Add(time.Minute)) {
		t.Fatalf("after a minute: last used %v", at)
	}
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
