package support_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/support"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var actor = audit.Actor{Label: "test"}

// world is tenants with owners, cameras and links, made through the
// stores as the portal makes them.
type world struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	tenancy *tenancy.Store
	links   *link.Store
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pool := dbtest.New(t)
	key, err := secret.NewKey("k1")
	must(t, err)
	kr, err := secret.NewKeyring(key)
	must(t, err)
	ts := tenancy.NewStore(pool, time.Now, time.UTC)
	return &world{t: t, ctx: context.Background(), pool: pool, tenancy: ts, links: link.NewStore(pool, kr, ts, time.Now)}
}

func (w *world) tenant(name string, owners ...string) tenancy.Tenant {
	w.t.Helper()
	tn, err := w.tenancy.CreateTenant(w.ctx, actor, tenancy.TenantInput{Name: name})
	must(w.t, err)
	for _, e := range owners {
		_, err := w.tenancy.CreateOwner(w.ctx, actor, tn.ID, tenancy.UserInput{Email: e, Password: "owner-password-1"})
		must(w.t, err)
	}
	return tn
}

func (w *world) camera(tenantID int64, deviceID string) tenancy.Camera {
	w.t.Helper()
	c, err := w.tenancy.CreateCamera(w.ctx, actor, tenantID, tenancy.CameraInput{DeviceID: deviceID, Name: "カメラ " + deviceID})
	must(w.t, err)
	must(w.t, w.tenancy.SetPOSOption(w.ctx, actor, tenantID, c.ID, true, w.tenancy.Today().AddDate(0, 0, -7)))
	return c
}

// secretValue is in every connection's credentials: no search may show it.
const secretValue = "client-secret-never-shown"

func (w *world) link(tenantID int64, p link.Provider, account string, cameraID int64, terminals ...link.Terminal) link.Connection {
	w.t.Helper()
	kind := link.ClientCredentials
	if p == link.Ubiregi {
		kind = link.OAuth2
	}
	c, err := w.links.Save(w.ctx, actor, tenantID, link.ConnectionInput{Provider: p, ExternalID: account, Name: account + " の店",
		AuthKind: kind, Credentials: map[string]string{"client_secret": secretValue}})
	must(w.t, err)
	for _, term := range terminals {
		must(w.t, w.links.Bind(w.ctx, actor, tenantID, c.ID, term, cameraID, link.NotBound))
	}
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// found is a match as the cases compare it: kind, tenant and value.
func found(m support.Match) string { return fmt.Sprintf("%s %s %s", m.Kind, m.TenantName, m.Value) }

func search(t *testing.T, w *world, q string) support.Result {
	t.Helper()
	res, err := support.Find(w.ctx, w.pool, q, 50)
	if err != nil {
		t.Fatalf("Find(%q): %v", q, err)
	}
	return res
}

// Staff find a tenant by each kind of key a customer reads out, typed as
// people type them (full width, mixed case); nothing else matches, and
// exact matches come first.
func TestFindByEveryKey(t *testing.T) {
	w := newWorld(t)
	shibuya := w.tenant("カフェ渋谷", "Yamada@Shop.example")
	camA := w.camera(shibuya.ID, "SF-0001")
	w.link(shibuya.ID, link.Smaregi, "skdemo02", camA.ID, link.Terminal{Key: "1:3", Name: "レジ３"},
		link.Terminal{Key: "12:30", Name: "本店レジ"})
	w.link(shibuya.ID, link.Ubiregi, "ubi-account-77", camA.ID,
		link.Terminal{Key: "9F3A2C1E-0B4D-4E2A-8C11-5D6E7F809A1B", Name: "iPad 1"})
	shinjuku := w.tenant("ベーカリー新宿", "owner@bakery.example")
	camB := w.camera(shinjuku.ID, "SF-0002")
	w.link(shinjuku.ID, link.Smaregi, "skbakery", camB.ID, link.Terminal{Key: "2:3", Name: "カウンター"},
		link.Terminal{Key: "1:33", Name: "テラス"})

	cases := []struct {
		query string
		want  []string // in order
	}{
		{"カフェ渋谷", []string{"tenant_name カフェ渋谷 カフェ渋谷"}},
		{"渋谷", []string{"tenant_name カフェ渋谷 カフェ渋谷"}},
		// Half-width kana, as some keyboards give them.
		{"ｶﾌｪ", []string{"tenant_name カフェ渋谷 カフェ渋谷"}},
		{"  YAMADA@shop.EXAMPLE ", []string{"owner_email カフェ渋谷 yamada@shop.example"}},
		{"yamada", []string{"owner_email カフェ渋谷 yamada@shop.example"}},
		{"ＳＫＤＥＭＯ０２", []string{"account カフェ渋谷 skdemo02"}},
		{"skdemo", []string{"account カフェ渋谷 skdemo02"}},
		{"ubi-account-77", []string{"account カフェ渋谷 ubi-account-77"}},
		// 端末ID as the customer reads it: the terminal of every contract
		// with a register 3, exact first; not 1:33 nor 12:30.
		{"1:3", []string{"terminal カフェ渋谷 1:3"}},
		{"１：３", []string{"terminal カフェ渋谷 1:3"}},
		{"3", []string{"terminal ベーカリー新宿 2:3", "terminal カフェ渋谷 1:3"}},
		{"３", []string{"terminal ベーカリー新宿 2:3", "terminal カフェ渋谷 1:3"}},
		{"9f3a2c1e", []string{"terminal カフェ渋谷 9F3A2C1E-0B4D-4E2A-8C11-5D6E7F809A1B"}},
		{"レジ3", []string{"terminal_name カフェ渋谷 レジ３"}},
		{"カウンター", []string{"terminal_name ベーカリー新宿 カウンター"}},
		{"sf-0002", []string{"camera ベーカリー新宿 SF-0002"}},
		{"ＳＦ－０００１", []string{"camera カフェ渋谷 SF-0001"}},
		// In part: newest tenant first.
		{"sf-000", []string{"camera ベーカリー新宿 SF-0002", "camera カフェ渋谷 SF-0001"}},
		{"", nil},
		{"   ", nil},
		{"池袋", nil},
		{"2", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res := search(t, w, c.query)
			var got []string
			for _, m := range res.Matches {
				got = append(got, found(m))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Find(%q) = %q, want %q", c.query, got, c.want)
			}
		})
	}

	// What matched says where to go: the connection for an account or a
	// terminal, the camera for a device ID.
	res := search(t, w, "1:3")
	if m := res.Matches[0]; m.ConnectionID == 0 || m.Provider != "smaregi" || m.Account != "skdemo02" ||
		m.TerminalLabel != "レジ３" || m.Closeness != support.Exact {
		t.Errorf("terminal match %+v", m)
	}
	if m := search(t, w, "3").Matches[0]; m.Closeness != support.TerminalID {
		t.Errorf("端末ID match %+v", m)
	}
	if m := search(t, w, "sf-0001").Matches[0]; m.CameraID != camA.ID || m.TenantID != shibuya.ID {
		t.Errorf("camera match %+v", m)
	}
}

// Only what is linked now is found: a deleted link, an ended binding, a
// staff member's e-mail are not.
func TestFindOnlyWhatIsLinked(t *testing.T) {
	w := newWorld(t)
	tn := w.tenant("店", "owner@shop.example")
	cam := w.camera(tn.ID, "cam-1")
	gone := w.link(tn.ID, link.Smaregi, "skgone01", cam.ID, link.Terminal{Key: "5:7", Name: "旧レジ"})
	goneBindings, err := w.links.Bindings(w.ctx, tn.ID, gone.ID)
	must(t, err)
	must(t, w.links.Delete(w.ctx, actor, tn.ID, gone.ID, []int64{goneBindings[0].ID}))
	kept := w.link(tn.ID, link.Smaregi, "skkept01", cam.ID, link.Terminal{Key: "5:8", Name: "撤去したレジ"},
		link.Terminal{Key: "5:9", Name: "レジ"})
	keptBindings, err := w.links.Bindings(w.ctx, tn.ID, kept.ID)
	must(t, err)
	for _, b := range keptBindings {
		if b.Terminal.Key == "5:8" {
			_, err = w.links.Unbind(w.ctx, actor, tn.ID, kept.ID, []int64{b.ID})
			must(t, err)
		}
	}
	_, err = w.tenancy.CreateStaff(w.ctx, actor, tenancy.UserInput{Email: "staff@poslink.example", Password: "staff-password-1"})
	must(t, err)
	for _, q := range []string{"skgone01", "5:7", "旧レジ", "5:8", "撤去", "staff@poslink.example"} {
		if res := search(t, w, q); len(res.Matches) != 0 {
			t.Errorf("Find(%q) = %+v, want nothing", q, res.Matches)
		}
	}
	if res := search(t, w, "5:9"); len(res.Matches) != 1 {
		t.Errorf("Find(5:9) = %+v, want the bound terminal", res.Matches)
	}
}

// LIKE's own characters match only themselves; a query that is no text, or
// too long, is refused before any query; no match shows a secret.
func TestFindHostileQueries(t *testing.T) {
	w := newWorld(t)
	w.tenant("100% 果汁", "percent@shop.example")
	w.tenant("a_b 商店")
	w.tenant(`C:\shop`)
	w.tenant("普通の店", "plain@shop.example")
	cam := w.camera(w.tenant("連携の店").ID, "cam-x")
	w.link(cam.TenantID, link.Smaregi, "sksecret", cam.ID, link.Terminal{Key: "1:1", Name: "レジ"})

	for q, want := range map[string][]string{
		"%": nil, "_": nil, `\`: nil, "%%": nil, "__": nil, `\\`: nil, "%_%": nil, `\%`: nil, "*": nil, "'": nil,
		"0%":       {"tenant_name 100% 果汁 100% 果汁"},
		"a_b":      {"tenant_name a_b 商店 a_b 商店"},
		`:\s`:      {`tenant_name C:\shop C:\shop`},
		"％":        nil, // full-width %, folded to %
		"' OR 1=1": nil,
	} {
		res := search(t, w, q)
		var got []string
		for _, m := range res.Matches {
			got = append(got, found(m))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Find(%q) = %q, want %q", q, got, want)
		}
	}

	for q, key := range map[string]string{
		"a\x00b":                  "err.text_invalid",
		"a\xffb":                  "err.text_invalid",
		"a\nb":                    "err.text_invalid",
		"abc\u202Etxt":            "err.text_bidi",
		strings.Repeat("x", 255):  "err.text_too_long",
		strings.Repeat("x", 10e3): "err.text_too_long",
		// Folding lengthens it past the bound.
		strings.Repeat("㍿", 100): "err.text_too_long",
	} {
		_, err := support.Find(w.ctx, w.pool, q, 50)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || e.Fields[support.FieldQuery] != key {
			t.Errorf("Find(%.20q): %v, want Invalid %s", q, err, key)
		}
	}

	res := search(t, w, "sksecret")
	if len(res.Matches) != 1 || strings.Contains(fmt.Sprintf("%+v", res), secretValue) {
		t.Errorf("Find(sksecret) = %+v", res)
	}
}

// A query matching more than the limit returns the limit, exact first,
// and says there are more.
func TestFindIsBounded(t *testing.T) {
	w := newWorld(t)
	_, err := w.pool.Exec(w.ctx, `INSERT INTO tenants (name) SELECT 'チェーン店 ' || g FROM generate_series(1, 120) g`)
	must(t, err)
	w.tenant("チェーン店")
	res, err := support.Find(w.ctx, w.pool, "チェーン店", 50)
	must(t, err)
	if len(res.Matches) != 50 || !res.Truncated || res.Matches[0].Value != "チェーン店" || res.Matches[0].Closeness != support.Exact {
		t.Errorf("%d matches (truncated %v), first %+v", len(res.Matches), res.Truncated, res.Matches[0])
	}
	// チェーン店 7, then 70 … 79.
	if res, _ := support.Find(w.ctx, w.pool, "チェーン店 7", 50); len(res.Matches) != 11 || res.Truncated ||
		res.Matches[0].Value != "チェーン店 7" || res.Matches[1].Closeness != support.Prefix {
		t.Errorf("Find(チェーン店 7) = %+v", res)
	}
}
