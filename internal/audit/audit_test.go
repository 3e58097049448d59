package audit_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// Details over the bound are stored as a marker naming their size and
// keys; the change is still recorded. An oversized request copied into
// the details once made a 55 KB row that can never be deleted.
func TestRecordClipsOversizedDetails(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	keys := make([]string, 1001)
	for i := range keys {
		keys[i] = fmt.Sprintf("made-up-terminal-key-%04d-0000-0000-000000000000", i)
	}
	if err := audit.Record(ctx, pool, audit.Entry{Actor: audit.Actor{Label: "test"}, Action: "link.unbind",
		Target: "connection:1", Details: map[string]any{"terminals": keys, "count": 1}}); err != nil {
		t.Fatal(err)
	}
	var size int
	if err := pool.QueryRow(ctx, `SELECT octet_length(details::text) FROM audit_log`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size > audit.MaxDetailsBytes {
		t.Errorf("stored details of %d bytes, bound %d", size, audit.MaxDetailsBytes)
	}
	got, err := audit.List(ctx, pool, audit.Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %v %v", got, err)
	}
	d := got[0].Details
	if n, _ := d["bytes"].(float64); d["clipped"] != true || n < 50_000 || fmt.Sprint(d["keys"]) != "[count terminals]" {
		t.Errorf("details not clipped: keys %v, clipped %v, bytes %v", slices.Sorted(maps.Keys(d)), d["clipped"], d["bytes"])
	}
	if got[0].Action != "link.unbind" || got[0].Target != "connection:1" {
		t.Errorf("entry %+v", got[0])
	}
}

// PostgreSQL's jsonb refuses NUL: a detail holding one is stored with
// U+FFFD instead of failing the change it records.
func TestRecordStoresDetailsWithNUL(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	if err := audit.Record(ctx, pool, audit.Entry{Actor: audit.Actor{Label: "test"}, Action: "test.nul", Target: "x",
		Details: map[string]any{"name": "a\x00b", "list": []string{"\x00"}, `literal \u0000`: `\u0000`}}); err != nil {
		t.Fatal(err)
	}
	got, err := audit.List(ctx, pool, audit.Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %v %v", got, err)
	}
	d := got[0].Details
	if d["name"] != "a\uFFFDb" || fmt.Sprint(d["list"]) != "[\uFFFD]" || d[`literal \u0000`] != `\u0000` {
		t.Errorf("details %q", d)
	}
}

// The address and the reason are kept with the entry; an actor without
// them (the command line) reads back empty, and an overlong reason is
// clipped rather than refusing the change it records.
func TestRecordKeepsAddressAndReason(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	long := strings.Repeat("理由", 1500)
	for _, a := range []audit.Actor{
		{UserID: 0, Label: "cli:root"},
		{UserID: 0, Label: "staff@example.com", Address: "192.0.2.7", Reason: "お客様から電話で依頼（チケット 1234）"},
		{UserID: 0, Label: "staff@example.com", Address: "2001:db8::1", Reason: long},
	} {
		if err := audit.Record(ctx, pool, audit.Entry{Actor: a, Action: "test.action", Target: "tenant:1"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := audit.List(ctx, pool, audit.Filter{})
	if err != nil || len(got) != 3 {
		t.Fatalf("list: %d entries, %v", len(got), err)
	}
	if got[2].Actor.Address != "" || got[2].Actor.Reason != "" {
		t.Errorf("command line entry: %+v", got[2].Actor)
	}
	if got[1].Actor.Address != "192.0.2.7" || got[1].Actor.Reason != "お客様から電話で依頼（チケット 1234）" {
		t.Errorf("staff entry: %+v", got[1].Actor)
	}
	if r := []rune(got[0].Actor.Reason); got[0].Actor.Address != "2001:db8::1" || len(r) != 1001 || r[1000] != '…' {
		t.Errorf("long reason kept as %d runes", len(r))
	}
}
