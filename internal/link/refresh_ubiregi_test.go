package link_test

import (
	"errors"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
)

func TestRefreshLocked(t *testing.T) {
	f := newFixture(t)
	conn := f.link(t, f.a.ID, "1", creds{"a0", "r0"})
	exp := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

	// The callback sees the stored credentials; what it returns is saved.
	var seen creds
	err := f.store.RefreshLocked(f.ctx, actor, f.a.ID, conn.ID, &seen, true, func(c link.Connection) (link.Refreshed, error) {
		if seen.RefreshToken != "r0" || c.ID != conn.ID {
			t.Errorf("callback saw %+v of %d", seen, c.ID)
		}
		// Another refresher meanwhile waits, or with wait false skips.
		var other creds
		err := f.store.RefreshLocked(f.ctx, actor, f.a.ID, conn.ID, &other, false, func(link.Connection) (link.Refreshed, error) {
			t.Error("a second refresher ran under the lock")
			return link.Refreshed{}, nil
		})
		if !errors.Is(err, link.ErrRefreshBusy) {
			t.Errorf("second refresher: %v", err)
		}
		return link.Refreshed{Credentials: creds{"a1", "r1"}, AccessExpiresAt: exp}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got creds
	v, _ := f.store.Credentials(f.ctx, f.a.ID, conn.ID, &got)
	c, _ := f.store.Connection(f.ctx, f.a.ID, conn.ID)
	if got.AccessToken != "a1" || v != 2 || !c.AccessExpiresAt.Equal(exp) {
		t.Fatalf("after refresh: %+v v%d expires %v", got, v, c.AccessExpiresAt)
	}

	// A failing callback saves nothing.
	boom := errors.New("provider down")
	if err := f.store.RefreshLocked(f.ctx, actor, f.a.ID, conn.ID, &got, true, func(link.Connection) (link.Refreshed, error) {
		return link.Refreshed{Credentials: creds{"x", "x"}}, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failing callback: %v", err)
	}
	if v, _ := f.store.Credentials(f.ctx, f.a.ID, conn.ID, &got); v != 2 || got.AccessToken != "a1" {
		t.Fatalf("failed refresh changed the credentials: %+v v%d", got, v)
	}

	// A refused refresh marks the connection, once, in the audit log too.
	for range 2 {
		if err := f.store.RefreshLocked(f.ctx, actor, f.a.ID, conn.ID, &got, true, func(link.Connection) (link.Refreshed, error) {
			return link.Refreshed{Reauth: "invalid_grant"}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ = f.store.Connection(f.ctx, f.a.ID, conn.ID)
	var marks int
	_ = f.store.Pool().QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE action = 'link.status'`).Scan(&marks)
	if c.Status != link.ReauthRequired || c.StatusDetail != "invalid_grant" || marks != 1 {
		t.Fatalf("after refusal: %q %q, %d audit entries", c.Status, c.StatusDetail, marks)
	}

	// Another tenant's connection is not found, waiting or not.
	for _, wait := range []bool{true, false} {
		if err := f.store.RefreshLocked(f.ctx, actor, f.b.ID, conn.ID, &got, wait, func(link.Connection) (link.Refreshed, error) {
			t.Error("callback ran for another tenant")
			return link.Refreshed{}, nil
		}); !errors.Is(err, link.ErrNotFound) {
			t.Fatalf("other tenant (wait %v): %v", wait, err)
		}
	}
}
