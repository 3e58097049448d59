package smaregilink_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/fault"
	"github.com/poslink/poslink/internal/sim/simclock"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	jst     = time.FixedZone("JST", 9*3600)
	cutover = time.Date(2026, 1, 24, 0, 0, 0, 0, jst)
	after   = time.Date(2026, 11, 23, 12, 0, 0, 0, jst)
	actor   = audit.Actor{Label: "test"}
)

// fixture is the service against the Smaregi simulator (frozen clock,
// counting requests) and a database with two tenants.
type fixture struct {
	ctx             context.Context
	svc             *smaregilink.Service
	links           *link.Store
	tenancy         *tenancy.Store
	sim             *smaregisim.Server
	clock           *simclock.Clock
	contract        smaregisim.Contract
	a, b            tenancy.Tenant
	cam, cam2, camB tenancy.Camera
	tokens          atomic.Int64 // token requests
	logs            bytes.Buffer
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), clock: simclock.NewFrozen(now)}
	f.sim = smaregisim.New(smaregisim.Config{Seed: 5, Clock: f.clock, RateLimit: -1})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/app/") {
			f.tokens.Add(1)
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	var err error
	f.contract, err = f.sim.CreateContract(smaregisim.ContractSpec{ID: "sktest01",
		Stores: []smaregisim.StoreSpec{{Name: "渋谷店", Terminals: 2}, {Name: "新宿店", Terminals: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	pool := dbtest.New(t)
	tnow := func() time.Time { return after }
	f.tenancy = tenancy.NewStore(pool, tnow, jst)
	key, _ := secret.NewKey("k1")
	kr, _ := secret.NewKeyring(key)
	f.links = link.NewStore(pool, kr, f.tenancy, tnow)
	f.svc = smaregilink.New(smaregilink.Config{IDBaseURL: ts.URL, APIBaseURL: ts.URL, LegacyBaseURL: ts.URL,
		LegacyCutover: cutover, HTTPClient: &http.Client{}, Timeout: 300 * time.Millisecond, Now: f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(&f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, f.links)
	f.a, _ = f.tenancy.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "A"})
	f.b, _ = f.tenancy.CreateTenant(f.ctx, actor, tenancy.TenantInput{Name: "B"})
	cam := func(tenantID int64, dev string) tenancy.Camera {
		c, err := f.tenancy.CreateCamera(f.ctx, actor, tenantID, tenancy.CameraInput{DeviceID: dev, Name: dev})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.tenancy.SetPOSOption(f.ctx, actor, tenantID, c.ID, true, f.tenancy.Today().AddDate(0, 0, -3)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.cam, f.cam2, f.camB = cam(f.a.ID, "a1"), cam(f.a.ID, "a2"), cam(f.b.ID, "b1")
	return f
}

func (f *fixture) input() smaregilink.Input {
	return smaregilink.Input{ContractID: f.contract.ID, ClientID: f.contract.ClientID, ClientSecret: f.contract.ClientSecret}
}

func (f *fixture) add(t *testing.T) link.Connection {
	t.Helper()
	c, err := f.svc.Add(f.ctx, actor, f.a.ID, f.input())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantKey checks err's message key and returns a copy of it (a value, not
// an error, so that callers may ignore it).
func wantKey(t *testing.T, err error, key string) apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Key != key {
		t.Fatalf("error %v, want key %s", err, key)
	}
	return *e
}

// A token is fetched once and reused for the connection until it nears its
// expiry, then fetched again; a token Smaregi revoked is replaced at once.
func TestTokensAreCachedAndRenewed(t *testing.T) {
	f := newFixture(t, after)
	c := f.add(t)
	for range 3 {
		ts, err := f.svc.Terminals(f.ctx, f.a.ID, c.ID)
		if err != nil || ts.Problem != nil || ts.Source != smaregilink.SourceAPI || len(ts.Rows) != 3 {
			t.Fatalf("terminals %+v, %v", ts, err)
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Errorf("%d token requests for adding and three listings, want 1", n)
	}
	f.clock.Advance(smaregisim.TokenLifetime - 30*time.Second)
	if _, err := f.svc.Terminals(f.ctx, f.a.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.tokens.Load(); n != 2 {
		t.Errorf("%d token requests after the token neared its expiry, want 2", n)
	}
	if err := f.sim.RevokeTokens(f.contract.ID); err != nil {
		t.Fatal(err)
	}
	ts, err := f.svc.Terminals(f.ctx, f.a.ID, c.ID)
	if err != nil || ts.Problem != nil || f.tokens.Load() != 3 {
		t.Fatalf("after revoking: %+v, %v, %d token requests", ts.Problem, err, f.tokens.Load())
	}
}

// Each failure of Smaregi is the owner's message, of the right kind, and
// nothing is saved.
func TestAddErrors(t *testing.T) {
	f := newFixture(t, after)
	in := f.input()
	wrong := in
	wrong.ClientSecret = "feedface"
	cases := []struct {
		name  string
		in    smaregilink.Input
		setup func()
		key   string
		kind  apperr.Kind
	}{
		{"wrong secret", wrong, nil, "smaregi.err.credentials", apperr.Invalid},
		{"unknown contract", smaregilink.Input{ContractID: "sknone", ClientID: in.ClientID, ClientSecret: in.ClientSecret}, nil,
			"smaregi.err.contract_not_found", apperr.Invalid},
		{"scope", in, func() { must(t, f.sim.SetScopes(f.contract.ID, []string{"pos.stores:read"})) }, "smaregi.err.scope", apperr.Invalid},
		{"down", in, func() { f.sim.Faults().AddDowntime(after.Add(-time.Minute), after.Add(time.Minute)) }, "smaregi.err.unavailable", apperr.Unavailable},
		{"slow", in, func() { f.sim.Faults().Set(fault.Settings{Latency: fault.Duration(600 * time.Millisecond)}) }, "smaregi.err.timeout", apperr.Unavailable},
		{"rate limited", in, func() { f.sim.Faults().Burst(1, 4*time.Second) }, "smaregi.err.rate_limited", apperr.Throttled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() {
				f.sim.Faults().Set(fault.Settings{})
				must(t, f.sim.SetScopes(f.contract.ID, smaregisim.DefaultScopes))
			})
			if tc.setup != nil {
				tc.setup()
			}
			_, err := f.svc.Add(f.ctx, actor, f.a.ID, tc.in)
			if e := wantKey(t, err, tc.key); e.Kind != tc.kind {
				t.Errorf("kind %d, want %d", e.Kind, tc.kind)
			}
			if cs, _ := f.links.Connections(f.ctx, f.a.ID, link.Smaregi); len(cs) != 0 {
				t.Errorf("saved %v", cs)
			}
		})
	}
	if strings.Contains(f.logs.String(), in.ClientSecret) || strings.Contains(f.logs.String(), wrong.ClientSecret) {
		t.Errorf("the log holds a secret:\n%s", f.logs.String())
	}
	if !strings.Contains(f.logs.String(), "smaregi call failed") {
		t.Errorf("outages were not logged:\n%s", f.logs.String())
	}
}

func TestInputValidation(t *testing.T) {
	f := newFixture(t, after)
	cases := map[string]struct {
		in     smaregilink.Input
		fields string
	}{
		"all empty":             {smaregilink.Input{}, "client_id client_secret contract_id"},
		"path in contract":      {smaregilink.Input{ContractID: "../sk", ClientID: "0123456789abcdef", ClientSecret: "s"}, "contract_id"},
		"short client ID":       {smaregilink.Input{ContractID: "sk1", ClientID: "abc", ClientSecret: "s"}, "client_id"},
		"secret with a newline": {smaregilink.Input{ContractID: "sk1", ClientID: "0123456789abcdef", ClientSecret: "a\nb"}, "client_secret"},
		"full-width secret":     {smaregilink.Input{ContractID: "sk1", ClientID: "0123456789abcdef", ClientSecret: "ａｂｃ"}, "client_secret"},
		"memo too long":         {smaregilink.Input{ContractID: "sk1", ClientID: "0123456789abcdef", ClientSecret: "s", Memo: strings.Repeat("x", 201)}, "memo"},
		"memo with a tab":       {smaregilink.Input{ContractID: "sk1", ClientID: "0123456789abcdef", ClientSecret: "s", Memo: "a\tb"}, "memo"},
	}
	for name, tc := range cases {
		_, err := f.svc.Add(f.ctx, actor, f.a.ID, tc.in)
		if got := strings.Join(apperr.FieldNames(err), " "); got != tc.fields {
			t.Errorf("%s: fields %q, want %q (%v)", name, got, tc.fields, err)
		}
	}
	if n := f.tokens.Load(); n != 0 {
		t.Errorf("malformed input reached Smaregi %d times", n)
	}
	// Pasted spaces around the values are not mistakes.
	in := f.input()
	in.ContractID, in.ClientSecret = " "+in.ContractID+" ", in.ClientSecret+"\n"
	if _, err := f.svc.Add(f.ctx, actor, f.a.ID, in); err != nil {
		t.Errorf("trimmed input refused: %v", err)
	}
}

// Another tenant cannot link, see or change a tenant's contract.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t, after)
	c := f.add(t)
	if _, err := f.svc.Add(f.ctx, actor, f.b.ID, f.input()); !errors.Is(err, link.ErrOtherTenant) {
		t.Errorf("the same contract by another tenant: %v", err)
	}
	if _, err := f.svc.Terminals(f.ctx, f.b.ID, c.ID); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("terminals of another tenant's link: %v", err)
	}
	if _, err := f.svc.UpdateCredentials(f.ctx, actor, f.b.ID, c.ID, f.input()); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("editing another tenant's link: %v", err)
	}
	if _, err := f.svc.Bind(f.ctx, actor, f.b.ID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.camB.ID}); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("binding on another tenant's link: %v", err)
	}
	_, err := f.svc.Bind(f.ctx, actor, f.a.ID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: "1", CameraID: f.camB.ID})
	wantKey(t, err, "err.camera_not_found")
	if _, err := f.svc.ClientID(f.ctx, f.b.ID, c.ID); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("client ID of another tenant's link: %v", err)
	}
	if err := f.svc.Delete(f.ctx, actor, f.b.ID, c.ID, nil); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("deleting another tenant's link: %v", err)
	}
	// A Ubiregi connection is not a Smaregi link.
	u, err := f.links.Save(f.ctx, actor, f.a.ID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "1",
		AuthKind: link.OAuth2, Credentials: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Terminals(f.ctx, f.a.ID, u.ID); !errors.Is(err, link.ErrNotFound) {
		t.Errorf("a Ubiregi connection as a Smaregi link: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
