package link_test

import (
	"errors"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
)

func TestRefreshLease(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a0", "r0"})
	const lease = time.Minute

	// The first claim holds the lease and reads the stored credentials.
	var seen creds
	first, err := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &seen)
	if err != nil || !first.Held() || first.Version != 1 || first.Status != link.Active || seen.RefreshToken != "r0" {
		t.Fatalf("first claim: %+v %+v %v", first, seen, err)
	}
	// Another claims meanwhile: it does not hold it, but reads the same.
	var other creds
	second, err := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other)
	if err != nil || second.Held() || other.RefreshToken != "r0" || second.Version != 1 {
		t.Fatalf("second claim: %+v %+v %v", second, other, err)
	}
	// Releasing a claim that does not hold the lease releases nothing.
	if err := f.store.ReleaseRefresh(f.ctx, second); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other); c.Held() {
		t.Fatal("a claim that never held the lease released it")
	}
	// Binding a terminal while the lease is held does not wait for it.
	if err := f.store.Bind(f.ctx, actor, f.a.ID, conn.ID, link.Terminal{Key: "T1", Name: "レジ1"}, f.camA.ID, link.AnyBinding); err != nil {
		t.Fatal(err)
	}

	// The holder saves with compare-and-swap; the others then read its pair.
	exp := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	if err := f.store.UpdateCredentials(f.ctx, f.a.ID, conn.ID, first.Version, creds{"a1", "r1"}, exp); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReleaseRefresh(f.ctx, first); err != nil {
		t.Fatal(err)
	}
	next, err := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other)
	if err != nil || !next.Held() || next.Version != 2 || other.AccessToken != "a1" {
		t.Fatalf("after the save: %+v %+v %v", next, other, err)
	}
	// A save from the old version loses.
	if err := f.store.UpdateCredentials(f.ctx, f.a.ID, conn.ID, first.Version, creds{"x", "x"}, exp); !errors.Is(err, link.ErrCredentialsRaced) {
		t.Fatalf("stale save: %v", err)
	}

	// A holder that died leaves a lease that runs out on the database's
	// clock; then another claims it.
	if _, err := f.store.Pool().Exec(f.ctx, `UPDATE pos_connections SET refresh_lease_until = now() - interval '1 second'
		WHERE id = $1`, conn.ID); err != nil {
		t.Fatal(err)
	}
	taken, err := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other)
	if err != nil || !taken.Held() {
		t.Fatalf("claim of a lapsed lease: %+v %v", taken, err)
	}
	// The dead holder's release does not free the new holder's lease.
	if err := f.store.ReleaseRefresh(f.ctx, next); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other); c.Held() {
		t.Fatal("an old holder released the new holder's lease")
	}

	// A refusal of credentials replaced since the claim marks nothing.
	if _, err := f.store.Save(f.ctx, actor, f.a.ID, link.ConnectionInput{Provider: link.Ubiregi, ExternalID: "1",
		Name: "shop", AuthKind: link.OAuth2, Credentials: creds{"a2", "r2"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RefreshRefused(f.ctx, actor, taken, "invalid_grant"); !errors.Is(err, link.ErrCredentialsRaced) {
		t.Fatalf("refusal of replaced credentials: %v", err)
	}
	if c, _ := f.store.Connection(f.ctx, f.a.ID, conn.ID); c.Status != link.Active {
		t.Fatalf("replaced credentials marked %q", c.Status)
	}

	// A refusal of the current ones marks the connection once, in the
	// audit log too, and frees the lease.
	for range 2 {
		c, err := f.store.ClaimRefresh(f.ctx, f.a.ID, conn.ID, lease, &other)
		if err != nil || !c.Held() {
			t.Fatalf("claim before refusal: %+v %v", c, err)
		}
		if err := f.store.RefreshRefused(f.ctx, actor, c, "invalid_grant"); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := f.store.Connection(f.ctx, f.a.ID, conn.ID)
	var marks int
	_ = f.store.Pool().QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE action = 'link.status'`).Scan(&marks)
	if c.Status != link.ReauthRequired || c.StatusDetail != "invalid_grant" || marks != 1 {
		t.Fatalf("after refusal: %q %q, %d audit entries", c.Status, c.StatusDetail, marks)
	}

	// Another tenant's connection is not found, and not leased.
	if _, err := f.store.ClaimRefresh(f.ctx, f.b.ID, conn.ID, lease, &other); !errors.Is(err, link.ErrNotFound) {
		t.Fatalf("other tenant: %v", err)
	}
	var leased bool
	_ = f.store.Pool().QueryRow(f.ctx, `SELECT refresh_lease_until IS NOT NULL FROM pos_connections WHERE id = $1`, conn.ID).Scan(&leased)
	if leased {
		t.Fatal("a lease is left after the refusals, or was taken for another tenant")
	}
}
