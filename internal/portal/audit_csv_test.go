package portal_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/audit"
)

// readCSV checks the export's framing (UTF-8 BOM, CRLF, the headers of a
// download named prefix + today in Tokyo) and returns its records.
func readCSV(t *testing.T, res *http.Response, body, prefix string) [][]string {
	t.Helper()
	// The portal names the file by its own clock, the real one: the day
	// of the request, which may have been just before midnight.
	name := func(at time.Time) string {
		return `attachment; filename="` + prefix + at.In(tokyo).Format("20060102") + `.csv"`
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d\n%.2000s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	now := time.Now()
	if cd := res.Header.Get("Content-Disposition"); cd != name(now) && cd != name(now.Add(-time.Minute)) {
		t.Errorf("Content-Disposition %q, want %s", cd, name(now))
	}
	rest, ok := strings.CutPrefix(body, "\xEF\xBB\xBF")
	if !ok {
		t.Fatalf("no UTF-8 BOM: % x", body[:min(len(body), 8)])
	}
	if !strings.HasSuffix(rest, "\r\n") || strings.Count(rest, "\n") != strings.Count(rest, "\r\n") {
		t.Error("lines do not end with CRLF")
	}
	r := csv.NewReader(strings.NewReader(rest))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	return records
}

// The export is the page's selection as CSV a spreadsheet opens safely:
// UTF-8 with a BOM, a header in the page's language, times in RFC 3339 with
// their zone, text quoted where it must be, and no cell that a spreadsheet
// would run as a formula.
func TestSupportAuditCSV(t *testing.T) {
	e, c := staffEnv(t)
	hostile := e.tenant(t, `=cmd|' /C calc'!A0, "店"`)
	staff, _ := e.store.UserByEmail(context.Background(), staffEmail)
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, tokyo)
	reasons := []string{"+1 電話で依頼", "-2", "@SUM(A1)", "\tタブ", "\r先頭の復帰", "一行目\n二行目, \"引用\"", "普通の理由"}
	for i, reason := range reasons {
		e.recordAt(t, at.Add(time.Duration(i)*time.Minute), audit.Entry{
			Actor:  audit.Actor{UserID: staff.ID, Label: staffEmail, Address: "192.0.2.7", Reason: reason},
			Action: "tenant.rename", TenantID: hostile.ID, Target: fmt.Sprintf("tenant:%d", hostile.ID),
			Details: map[string]any{"from": "旧", "to": fmt.Sprintf("=新%d", i)}})
	}

	_, page := c.get("/support/audit?action=tenant.rename&actor=staff")
	wantContains(t, page, `href="/support/audit.csv?action=tenant.rename&amp;actor=staff"`, "最大 100,000 件")
	res, body := c.get("/support/audit.csv?action=tenant.rename&actor=staff")
	records := readCSV(t, res, body, "poslink-audit-")
	if got := strings.Join(records[0], ","); got != "ID,日時,操作者,アドレス,テナントID,テナント,操作,操作コード,内容,理由" {
		t.Errorf("header %s", got)
	}
	if len(records) != 1+len(reasons) {
		t.Fatalf("%d records, want %d", len(records), 1+len(reasons))
	}
	// Newest first: the last reason's entry leads.
	for i, rec := range records[1:] {
		n := len(reasons) - 1 - i
		want := []string{rec[0], at.Add(time.Duration(n) * time.Minute).Format("2006-01-02T15:04:05+09:00"), staffEmail, "192.0.2.7",
			itoa(hostile.ID), `'=cmd|' /C calc'!A0, "店"`, "テナント名変更", "tenant.rename",
			fmt.Sprintf("テナント名を変更しました：「旧」 → 「=新%d」", n), ""}
		switch r := reasons[n]; r[0] {
		case '+', '-', '@', '\t', '\r':
			want[9] = "'" + r
		default:
			want[9] = r
		}
		// With CRLF line ends, encoding/csv writes a line break in a cell
		// as CRLF and drops a lone CR.
		want[9] = strings.ReplaceAll(want[9], "\r", "")
		if fmt.Sprintf("%q", rec) != fmt.Sprintf("%q", want) {
			t.Errorf("record %d\n got %q\nwant %q", i+1, rec, want)
		}
	}
	if !strings.Contains(body, "\"一行目\r\n二行目, \"\"引用\"\"\"") {
		t.Error("a reason with a line break, a comma and quotes is not quoted as RFC 4180 says")
	}

	c.lang = "en"
	res, body = c.get("/support/audit.csv?action=tenant.create")
	records = readCSV(t, res, body, "poslink-audit-")
	if got := strings.Join(records[0], ","); got != "ID,Date and time,By,Address,Tenant ID,Tenant,Action,Action code,What changed,Reason" {
		t.Errorf("English header %s", got)
	}
	if len(records) != 2 || records[1][8] != `Created the tenant “=cmd|' /C calc'!A0, "店"”.` || records[1][3] != "" {
		t.Errorf("English records %q", records)
	}

	res, body = c.get("/support/audit.csv?tenant_name=" + "nothing-matches")
	if records := readCSV(t, res, body, "poslink-audit-"); len(records) != 1 {
		t.Errorf("an empty selection exports %d records", len(records))
	}
}

// An export of more entries than one read holds comes whole, newest
// first, each entry once.
func TestAuditCSVExportsInBatches(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "多い店")
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO audit_log (at, actor, action, tenant_id, target, details)
		SELECT timestamptz '2026-11-01 00:00+09' + i * interval '1 second', 'cli:root', 'tenant.rename', $1::bigint, 'tenant:' || $1::bigint,
		       jsonb_build_object('from', 'x', 'to', 'n' || i)
		FROM generate_series(1, 2345) i`, tn.ID); err != nil {
		t.Fatal(err)
	}
	res, body := c.get("/support/audit.csv?action=tenant.rename")
	records := readCSV(t, res, body, "poslink-audit-")
	if len(records) != 1+2345 {
		t.Fatalf("%d records, want %d", len(records), 1+2345)
	}
	seen := map[string]bool{}
	for i, rec := range records[1:] {
		if want := fmt.Sprintf("「n%d」", 2345-i); !strings.Contains(rec[8], want) {
			t.Fatalf("record %d is %q, want %s", i+1, rec[8], want)
		}
		if seen[rec[0]] {
			t.Fatalf("entry %s exported twice", rec[0])
		}
		seen[rec[0]] = true
	}
}

// The owner's export has the owner's columns: no address, no tenant.
func TestOwnerAuditCSV(t *testing.T) {
	f := newOwnerAuditEnv(t)
	res, body := f.c.get("/audit.csv?action=link.bind")
	records := readCSV(t, res, body, "poslink-history-")
	if got := strings.Join(records[0], ","); got != "日時,操作者,操作,内容,理由" {
		t.Errorf("header %s", got)
	}
	if len(records) != 3 {
		t.Fatalf("records %q", records)
	}
	if r := records[1]; r[1] != "サポート" || r[2] != "端末とカメラの紐づけ" || r[4] != "お客様から電話で依頼（チケット 1234）" ||
		!strings.HasSuffix(r[3], "カメラ「レジ前カメラ」 → カメラ「入口カメラ」") {
		t.Errorf("support's rebind exported as %q", r)
	}
	if r := records[2]; r[1] != ownerEmail || r[4] != "" {
		t.Errorf("the owner's bind exported as %q", r)
	}
	f.notOthers(t, "the owner's export", body)
}
