package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

// searchEnv is the Smaregi demo contract linked by the tenant スマレジの店,
// its register 1:2 feeding the camera cam-register, another tenant, and a
// staff member logged in.
type searchEnv struct {
	*smaregiEnv
	staff  *client
	connID int64
	secret string
}

func newSearchEnv(t *testing.T) *searchEnv {
	t.Helper()
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "2", f.cam.ID)
	other := f.env.tenant(t, "ベーカリー新宿")
	f.owner(t, other.ID, "baker@bakery.example", "baker-password-1")
	f.camera(t, other.ID, "cam-bakery", "店頭カメラ", testNow.AddDate(0, 0, -5))
	f.staff(t, staffEmail, staffPW)
	return &searchEnv{smaregiEnv: f, staff: f.login(t, staffEmail, staffPW), connID: conn.ID,
		secret: f.creds(t).Get("client_secret")}
}

// search loads the list with the query and returns the results table.
func (f *searchEnv) search(t *testing.T, q string) string {
	t.Helper()
	res, body := f.staff.get("/support/tenants?q=" + url.QueryEscape(q))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("search %q: %d\n%s", q, res.StatusCode, body)
	}
	wantNotContains(t, "the search page", body, f.secret)
	_, table, ok := strings.Cut(body, `<table class="data" id="search-results">`)
	if !ok {
		t.Fatalf("search %q: no results table\n%s", q, body)
	}
	table, _, _ = strings.Cut(table, "</table>")
	return table
}

// Staff find the tenant from each thing a customer reads out, typed as
// they type it, with what matched in words and where to go; the plain
// list stays when the box is empty.
func TestSupportSearchFindsByEveryKey(t *testing.T) {
	f := newSearchEnv(t)
	tenant, links := tenantPath(f.tenant.ID), tenantPath(f.tenant.ID)+"/links"
	cases := []struct {
		query string
		want  []string
	}{
		{"スマレジの店", []string{"テナント名", "完全一致", `href="` + tenant + `"`, "テナントを表示"}},
		{"ｽﾏﾚｼﾞ", []string{"テナント名", "スマレジの店"}},
		{" OWNER@shop.EXAMPLE ", []string{"オーナーのメールアドレス", "owner@shop.example", `href="` + tenant + `#owners"`}},
		{"ＳＫＤＥＭＯ０１", []string{"スマレジの契約ID", demoContract, `href="` + links + `"`, "POS連携を表示"}},
		// The 端末ID as read out: register 2 of a store.
		{"２", []string{"端末ID", "1:2", "スマレジ " + demoContract + " の端末", `href="` + links + `"`}},
		{"1:2", []string{"端末ID", "1:2", "完全一致"}},
		{"CAM-REGISTER", []string{"カメラのデバイスID", "cam-register", "カメラ「レジ前カメラ」",
			`href="` + cameraPath(f.tenant.ID, f.cam.ID) + `"`, "カメラを表示"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			table := f.search(t, c.query)
			wantContains(t, table, c.want...)
			if strings.Contains(table, "ベーカリー新宿") {
				t.Error("the other tenant matches")
			}
		})
	}
	// The other tenant by its owner's address.
	wantContains(t, f.search(t, "baker@"), "ベーカリー新宿", "baker@bakery.example")

	// In English.
	f.staff.lang = "en"
	wantContains(t, f.search(t, demoContract), "Smaregi contract ID", "Open POS links", "Exact")
	f.staff.lang = ""

	// The empty box lists the tenants.
	_, body := f.staff.get("/support/tenants?q=+")
	wantContains(t, body, "スマレジの店", "ベーカリー新宿", "オーナー数")
	if strings.Contains(body, "search-results") {
		t.Error("an empty search shows results")
	}
}

// What LIKE treats as wildcards matches only itself; what is no text, or
// too long, is refused with a message; no search writes anything.
func TestSupportSearchHostileQueries(t *testing.T) {
	f := newSearchEnv(t)
	before := pureSnapshot(t, f.env)
	for _, q := range []string{"%", "_", `\`, "%%", "__", `\%`, "%_%", "％", "' OR '1'='1", "<b>x</b>"} {
		table := f.search(t, q)
		wantContains(t, table, "に一致するものはありません。")
		if strings.Contains(table, "スマレジの店") || strings.Contains(table, "<b>x") {
			t.Errorf("search %q lists %s", q, table)
		}
	}
	for _, c := range []struct {
		q       string
		message string
	}{
		{strings.Repeat("x", 255), "入力が長すぎます。"},
		{"abc\u202Etxt", "文字の表示方向を変える制御文字は使用できません。"},
	} {
		res, body := f.staff.get("/support/tenants?q=" + url.QueryEscape(c.q))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.message) {
			t.Errorf("search %.20q: %d, want 400 with %q\n%.3000s", c.q, res.StatusCode, c.message, body)
		}
	}
	// 10 kB, and NUL: refused where the request comes in.
	for _, q := range []string{strings.Repeat("3", 10_000), "a\x00b"} {
		res, body := f.staff.get("/support/tenants?q=" + url.QueryEscape(q))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, i18n.T(i18n.JA, "err.bad_input")) {
			t.Errorf("search of %d bytes: %d\n%.2000s", len(q), res.StatusCode, body)
		}
	}
	if len(strings.Repeat("3", 10_000)) <= httpx.MaxValueBytes {
		t.Fatal("10 kB is within the request's limit: the case tests nothing")
	}
	if after := pureSnapshot(t, f.env); len(after) != len(before) {
		t.Error("tables changed")
	} else {
		for k, v := range before {
			if after[k] != v {
				t.Errorf("searching changed table %s", k)
			}
		}
	}
}
