package auditview

import (
	"context"
	"strconv"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/i18n"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// One query names what a page of entries refers to; an owner's reading
// names only the tenant's own, so that an ID of another tenant's camera or
// link in a hand-made entry tells nothing of it.
func TestResolveNamesWithinTheTenant(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	var a, b, camA, camB, connB, ownerB, staff int64
	for _, step := range []struct {
		sql  string
		dest *int64
	}{
		{`INSERT INTO tenants (name) VALUES ('店A') RETURNING id`, &a},
		{`INSERT INTO tenants (name) VALUES ('店B') RETURNING id`, &b},
	} {
		if err := pool.QueryRow(ctx, step.sql).Scan(step.dest); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		sql  string
		args []any
		dest *int64
	}{
		{`INSERT INTO cameras (tenant_id, device_id, name) VALUES ($1, 'cam-a', 'Aのカメラ') RETURNING id`, []any{a}, &camA},
		{`INSERT INTO cameras (tenant_id, device_id, name) VALUES ($1, 'cam-b', 'Bのカメラ') RETURNING id`, []any{b}, &camB},
		{`INSERT INTO pos_connections (tenant_id, provider, external_id, name, auth_kind, credentials)
			VALUES ($1, 'ubiregi', '777', 'Bの店', 'oauth2', '\x00') RETURNING id`, []any{b}, &connB},
		{`INSERT INTO users (email, password_hash, role, tenant_id) VALUES ('b@shop.example', 'x', 'owner', $1) RETURNING id`, []any{b}, &ownerB},
		{`INSERT INTO users (email, password_hash, role) VALUES ('staff@poslink.example', 'x', 'staff') RETURNING id`, nil, &staff},
	} {
		if err := pool.QueryRow(ctx, step.sql, step.args...).Scan(step.dest); err != nil {
			t.Fatal(err)
		}
	}
	// An entry of tenant A that names B's things (no writer does; a
	// hand-made row could).
	hostile := audit.Entry{Action: "link.bind", TenantID: a, Target: "connection:" + itoa(connB), Actor: audit.Actor{UserID: staff, Label: "staff@poslink.example"},
		Details: map[string]any{"terminal": "t", "camera_id": float64(camB), "previous_camera_id": float64(camA)}}
	rename := audit.Entry{Action: "user.set_password", TenantID: b, Target: "user:" + itoa(ownerB), Actor: audit.Actor{UserID: ownerB, Label: "b@shop.example"}}

	all, err := Resolve(ctx, pool, 0, []audit.Entry{hostile, rename})
	if err != nil {
		t.Fatal(err)
	}
	lines := Lines(i18n.JA, Staff, []audit.Entry{hostile, rename}, all)
	if want := "Ubiregi「Bの店」（アカウントID 777）の端末「t」の紐づけ先のカメラを変更しました：カメラ「Aのカメラ」 → カメラ「Bのカメラ」"; lines[0].Text != want {
		t.Errorf("staff read\n %s\nwant %s", lines[0].Text, want)
	}
	if lines[0].Tenant != "店A" || lines[1].Text != "ユーザー b@shop.example のパスワードを再設定しました。" {
		t.Errorf("staff read %+v", lines)
	}

	ownA, err := Resolve(ctx, pool, a, []audit.Entry{hostile})
	if err != nil {
		t.Fatal(err)
	}
	got := Lines(i18n.JA, Owner, []audit.Entry{hostile}, ownA)[0]
	if want := "ID " + itoa(connB) + " のPOS連携の端末「t」の紐づけ先のカメラを変更しました：カメラ「Aのカメラ」 → ID " + itoa(camB) + " のカメラ"; got.Text != want {
		t.Errorf("A's owner read\n %s\nwant %s", got.Text, want)
	}
	if got.Actor != "サポート" {
		t.Errorf("A's owner read the actor as %q", got.Actor)
	}

	if n, err := Resolve(ctx, pool, a, nil); err != nil || len(n.cameras) != 0 {
		t.Errorf("no entries: %+v, %v", n, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
