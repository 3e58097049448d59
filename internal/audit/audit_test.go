package audit_test

import (
	"context"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestRecordListAndAppendOnly(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	actor := audit.Actor{UserID: 0, Label: "cli:root"}
	for i, target := range []string{"tenant:1", "tenant:2", "camera:3"} {
		if err := audit.Record(ctx, pool, audit.Entry{Actor: actor, Action: "test.action", TenantID: int64(i + 1),
			Target: target, Details: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := audit.List(ctx, pool, audit.Filter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("list: %d entries, %v", len(all), err)
	}
	if all[0].Target != "camera:3" || all[2].Target != "tenant:1" {
		t.Fatalf("not newest first: %v", all)
	}
	if all[0].Actor.Label != "cli:root" || all[0].Details["n"] != float64(2) {
		t.Fatalf("entry fields: %+v", all[0])
	}
	one, err := audit.List(ctx, pool, audit.Filter{TenantID: 2})
	if err != nil || len(one) != 1 || one[0].Target != "tenant:2" {
		t.Fatalf("tenant filter: %v %v", one, err)
	}
	older, err := audit.List(ctx, pool, audit.Filter{BeforeID: all[0].ID, Limit: 1})
	if err != nil || len(older) != 1 || older[0].ID != all[1].ID {
		t.Fatalf("paging: %v %v", older, err)
	}

	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'forged'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := pool.Exec(ctx, stmt); err == nil {
			t.Errorf("%s succeeded on the append-only log", stmt)
		}
	}
	if again, _ := audit.List(ctx, pool, audit.Filter{}); len(again) != 3 || again[0].Actor.Label != "cli:root" {
		t.Fatalf("log changed: %v", again)
	}
}
