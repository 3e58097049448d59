package poller

import (
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/tenancy"
)

// LastSales gives each register bound now its newest stored sale, of the
// tenant's connections only; a register without any is left out, and a
// sale of a register no longer bound does not count.
func TestLastSales(t *testing.T) {
	f := newFixture(t, time.Now)
	conn := f.connect(t, link.Smaregi, "sk", 1)
	f.bind(t, conn.ID, "1:1", f.camA.ID)
	f.bind(t, conn.ID, "1:2", f.camB.ID)
	otherTenant, err := f.tenancy.CreateTenant(f.ctx, testActor, tenancy.TenantInput{Name: "隣の店"})
	must(t, err)
	theirs, err := f.links.Save(f.ctx, testActor, otherTenant.ID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: "sk2",
		AuthKind: link.ClientCredentials, Credentials: map[string]string{"secret": "s"}})
	must(t, err)
	theirCam, err := f.tenancy.CreateCamera(f.ctx, testActor, otherTenant.ID, tenancy.CameraInput{DeviceID: "cam-other", Name: "cam"})
	must(t, err)
	must(t, f.tenancy.SetPOSOption(f.ctx, testActor, otherTenant.ID, theirCam.ID, true, f.tenancy.Today().AddDate(0, 0, -7)))
	must(t, f.links.Bind(f.ctx, testActor, otherTenant.ID, theirs.ID, link.Terminal{Key: "1:1"}, theirCam.ID, link.NotBound))
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	sale := func(tenantID, connID int64, id, key string, at time.Time) {
		t.Helper()
		_, err := f.pool.Exec(f.ctx, `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key,
			sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
			VALUES ($1, $2, $3, $4, $5, 32400, 'payment', 100, 100, 0, $5, '{}')`, tenantID, connID, id, key, at)
		must(t, err)
	}
	sale(f.tenant.ID, conn.ID, "a", "1:1", day.Add(time.Hour))
	sale(f.tenant.ID, conn.ID, "b", "1:1", day.Add(3*time.Hour))
	sale(f.tenant.ID, conn.ID, "c", "1:1", day.Add(2*time.Hour))
	sale(f.tenant.ID, conn.ID, "d", "9:9", day.Add(5*time.Hour)) // not bound
	sale(otherTenant.ID, theirs.ID, "e", "1:1", day.Add(9*time.Hour))
	got, err := NewStatusReader(f.pool, time.UTC, time.Now).LastSales(f.ctx, f.tenant.ID)
	must(t, err)
	want := map[TerminalRef]time.Time{{conn.ID, "1:1"}: day.Add(3 * time.Hour)}
	if len(got) != len(want) || !got[TerminalRef{conn.ID, "1:1"}].Equal(want[TerminalRef{conn.ID, "1:1"}]) {
		t.Errorf("last sales %v, want %v", got, want)
	}
}
