package smaregilink_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/simclock"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/internal/tenancy"
)

// BenchmarkFeedMinute is one minute of a busy contract's changes (four
// registers) for one connection: the poll of a caught-up feed — the link
// and its credentials read, the cached app token, one page from the
// simulator over HTTP, checked and normalized.
func BenchmarkFeedMinute(b *testing.B) {
	ctx := context.Background()
	clock := simclock.NewFrozen(after)
	sim := smaregisim.New(smaregisim.Config{Seed: 5, Clock: clock, RateLimit: -1})
	ts := httptest.NewServer(sim)
	b.Cleanup(ts.Close)
	c, err := sim.CreateContract(smaregisim.ContractSpec{ID: "skbench1", HistoryStart: after.AddDate(0, 0, -2),
		Stores: []smaregisim.StoreSpec{{Name: "本店", Terminals: 4}}})
	if err != nil {
		b.Fatal(err)
	}
	pool := dbtest.New(b)
	ten := tenancy.NewStore(pool, clock.Now, jst)
	key, _ := secret.NewKey("k1")
	kr, _ := secret.NewKeyring(key)
	links := link.NewStore(pool, kr, ten, clock.Now)
	svc := smaregilink.New(smaregilink.Config{IDBaseURL: ts.URL, APIBaseURL: ts.URL, LegacyBaseURL: ts.URL,
		LegacyCutover: cutover, Now: clock.Now}, links)
	tenant, err := ten.CreateTenant(ctx, actor, tenancy.TenantInput{Name: "A"})
	if err != nil {
		b.Fatal(err)
	}
	conn, err := svc.Add(ctx, actor, tenant.ID, smaregilink.Input{ContractID: c.ID, ClientID: c.ClientID, ClientSecret: c.ClientSecret})
	if err != nil {
		b.Fatal(err)
	}
	fd, err := svc.Feed(ctx, tenant.ID, conn.ID)
	if err != nil {
		b.Fatal(err)
	}
	cursor, _ := drain(b, fd, "", after.Add(-time.Hour), map[string]pos.Transaction{})
	n := 0
	b.ResetTimer()
	for b.Loop() {
		clock.Advance(time.Minute)
		for {
			p, err := fd.Changes(ctx, cursor, after)
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Transactions)
			cursor = p.Cursor
			if !p.More {
				break
			}
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "tx/op")
}
