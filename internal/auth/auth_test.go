package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/auth"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	ownerEmail = "owner@shop.example"
	ownerPW    = "correct-horse-1"
	wrongPW    = "wrong-password"
)

type fixture struct {
	pool  *pgxpool.Pool
	store *tenancy.Store
	auth  *auth.Authenticator
	owner tenancy.User
}

// newFixture is an Authenticator with DefaultPolicy on a fresh database
// holding one owner.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	store := tenancy.NewStore(pool, time.Now, time.UTC)
	ctx := context.Background()
	actor := audit.Actor{Label: "test"}
	tn, err := store.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "店"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateOwner(ctx, actor, tn.ID, tenancy.UserInput{Email: ownerEmail, Password: ownerPW})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &fixture{pool: pool, store: store, auth: auth.New(pool, store, auth.DefaultPolicy, log), owner: u}
}

func (f *fixture) login(email, pw, ip string) error {
	_, err := f.auth.Login(context.Background(), email, pw, ip)
	return err
}

// attempt is one login of a burst.
type attempt struct{ email, pw, ip string }

// burst sends the attempts all at once and returns their errors in order.
func (f *fixture) burst(attempts []attempt) []error {
	errs := make([]error, len(attempts))
	var start sync.WaitGroup
	start.Add(1)
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Go(func() {
			start.Wait()
			errs[i] = f.login(a.email, a.pw, a.ip)
		})
	}
	start.Done()
	wg.Wait()
	return errs
}

// checked counts the attempts whose password was checked (every outcome but
// a pause) and fails the test on any error that is neither.
func checked(t *testing.T, errs []error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case err == nil, errors.Is(err, auth.ErrInvalidCredentials):
			n++
		case apperr.KindOf(err) == apperr.Throttled:
		default:
			t.Fatalf("unexpected login error: %v", err)
		}
	}
	return n
}

// wantThrottled fails unless err is a pause of more than wait-1m and at most
// wait, and returns it.
// wantThrottled checks err is a throttle with about wait to go, and returns
// a copy of it (a value, not an error, so that callers may ignore it).
func wantThrottled(t *testing.T, err error, wait time.Duration) apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Throttled {
		t.Fatalf("error %v, want a Throttled *apperr.Error", err)
	}
	if e.RetryAfter <= wait-time.Minute || e.RetryAfter > wait {
		t.Fatalf("RetryAfter %v, want about %v", e.RetryAfter, wait)
	}
	return *e
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("error %v, want ErrInvalidCredentials", err)
	}
}

// age moves every throttling timestamp d into the past, as if d had passed
// on the database's clock.
func (f *fixture) age(t *testing.T, d time.Duration) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), `
		UPDATE login_attempts SET started_at = started_at - $1::interval,
			ends_at = ends_at - $1::interval, succeeded_at = succeeded_at - $1::interval`, d); err != nil {
		t.Fatal(err)
	}
}

func TestLoginRightAndWrong(t *testing.T) {
	f := newFixture(t)
	u, err := f.auth.Login(context.Background(), "  Owner@Shop.Example ", ownerPW, "192.0.2.1")
	if err != nil || u.ID != f.owner.ID {
		t.Fatalf("right password: user %d, err %v; want user %d", u.ID, err, f.owner.ID)
	}
	wantInvalid(t, f.login(ownerEmail, wrongPW, "192.0.2.1"))
	wantInvalid(t, f.login("nobody@shop.example", ownerPW, "192.0.2.1"))
}

func TestLoginDisabled(t *testing.T) {
	f := newFixture(t)
	if err := f.store.SetUserDisabled(context.Background(), audit.Actor{Label: "test"}, f.owner.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := f.login(ownerEmail, ownerPW, "192.0.2.1"); !errors.Is(err, auth.ErrDisabled) {
		t.Fatalf("disabled user: %v, want ErrDisabled", err)
	}
	wantInvalid(t, f.login(ownerEmail, wrongPW, "192.0.2.1"))
}

// Input no account can have fails like a wrong password, counts like one,
// and never reaches an index or a query (60,000 characters used to fail the
// insert into the throttle's index: a 500).
func TestLoginHostileInputFailsLikeAWrongPassword(t *testing.T) {
	f := newFixture(t)
	// Random letters: PostgreSQL would compress a repeated one to fit.
	rnd := rand.New(rand.NewPCG(1, 2))
	local := make([]byte, 60000)
	for i := range local {
		local[i] = byte('a' + rnd.IntN(26))
	}
	long := string(local) + "@shop.example"
	for name, in := range map[string]attempt{
		"60,000-character e-mail": {long, wrongPW, "192.0.2.1"},
		"NUL in e-mail":           {"own\x00er@shop.example", ownerPW, "192.0.2.2"},
		"invalid UTF-8 e-mail":    {"own\xffer@shop.example", ownerPW, "192.0.2.3"},
		"direction control":       {"own\u202Eer@shop.example", ownerPW, "192.0.2.7"},
		"empty":                   {"", "", "192.0.2.4"},
		"oversized password":      {ownerEmail, strings.Repeat("p", 5000), "192.0.2.5"},
		"NUL in password":         {ownerEmail, "correct\x00horse", "192.0.2.6"},
		"client address no IP":    {ownerEmail, wrongPW, strings.Repeat("x", 60000)},
	} {
		t.Run(name, func(t *testing.T) {
			wantInvalid(t, f.login(in.email, in.pw, in.ip))
		})
	}
	for range 4 {
		wantInvalid(t, f.login(long, wrongPW, "192.0.2.1"))
	}
	wantThrottled(t, f.login(long, wrongPW, "192.0.2.1"), 15*time.Minute)
	var maxKey int
	if err := f.pool.QueryRow(context.Background(), `SELECT max(length(key)) FROM login_attempts`).Scan(&maxKey); err != nil {
		t.Fatal(err)
	}
	if maxKey > 200 {
		t.Fatalf("a throttle key of %d characters", maxKey)
	}
}
