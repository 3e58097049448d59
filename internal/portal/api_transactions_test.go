package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dashboard/dashtest"
)

type apiTxn struct {
	ID           int64     `json:"id"`
	CameraID     *int64    `json:"camera_id"`
	SoldAt       time.Time `json:"sold_at"`
	Kind         string    `json:"kind"`
	Total        int64     `json:"total"`
	Deposit      int64     `json:"deposit"`
	Change       int64     `json:"change"`
	ReceiptNo    string    `json:"receipt_no"`
	Terminal     string    `json:"terminal"`
	TerminalName string    `json:"terminal_name"`
	Staff        string    `json:"staff"`
	Revision     int       `json:"revision"`
	Thumbnail    struct {
		State string `json:"state"`
		URL   string `json:"url"`
	} `json:"thumbnail"`
}

type apiTxnPage struct {
	Transactions []apiTxn `json:"transactions"`
	NextCursor   string   `json:"next_cursor"`
	PrevCursor   string   `json:"prev_cursor"`
}

type apiTxnDetail struct {
	Transaction apiTxn `json:"transaction"`
	Revisions   []struct {
		Revision   int       `json:"revision"`
		Reason     string    `json:"reason"`
		ReplacedAt time.Time `json:"replaced_at"`
		Kind       string    `json:"kind"`
		Total      int64     `json:"total"`
		Changed    []string  `json:"changed"`
	} `json:"revisions"`
}

// txnsPath is the list of the camera's transactions with the parameters.
func txnsPath(cameraID int64, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	p := "/api/v1/cameras/" + itoa(cameraID) + "/transactions"
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	return p
}

// listTxns asks for a page that must be answered 200.
func listTxns(t *testing.T, e *env, token, path string) apiTxnPage {
	t.Helper()
	res, body := apiCall(t, e, nil, http.MethodGet, path, token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
	}
	var p apiTxnPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return p
}

func txnIDs(p apiTxnPage) []int64 {
	var ids []int64
	for _, t := range p.Transactions {
		ids = append(ids, t.ID)
	}
	return ids
}

// wantProblem checks that the answer is the status with a problem naming
// the field (none when field is "").
func wantProblem(t *testing.T, what string, res *http.Response, body []byte, status int, typ, field string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: %d, want %d\n%s", what, res.StatusCode, status, body)
		return
	}
	p := apiProblem(t, body)
	if p.Type != typ || p.Detail == "" {
		t.Errorf("%s: problem %q %q, want %q with a detail", what, p.Type, p.Detail, typ)
	}
	if field == "" {
		return
	}
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
		if f.Detail == "" {
			t.Errorf("%s: field %s without a message", what, f.Field)
		}
	}
	if !slices.Equal(fields, []string{field}) {
		t.Errorf("%s: fields %v, want [%s]\n%s", what, fields, field, body)
	}
}

// The list answers the camera's transactions newest first, in the
// register's zone with integer yen, filtered and paged as asked.
func TestAPITransactionsList(t *testing.T) {
	fx := newDashFixture(t)
	e := fx.e
	token := createToken(t, fx.owner, "viewer")

	p := listTxns(t, e, token, txnsPath(fx.cam))
	if got, want := txnIDs(p), []int64{fx.pay, fx.cancel, fx.fixed}; !slices.Equal(got, want) {
		t.Fatalf("default page %v, want %v", got, want)
	}
	if p.NextCursor != "" || p.PrevCursor != "" {
		t.Errorf("one page only, but cursors %q %q", p.NextCursor, p.PrevCursor)
	}
	pay, fixed := p.Transactions[0], p.Transactions[2]
	if pay.Kind != "payment" || pay.Total != 1200 || pay.Deposit != 2200 || pay.Change != 1000 || pay.ReceiptNo != "R-0001" ||
		pay.Staff != "佐藤" || pay.Terminal != "1:1" || pay.TerminalName != "レジ1" || pay.Revision != 1 ||
		pay.CameraID == nil || *pay.CameraID != fx.cam || !pay.SoldAt.Equal(testNow.Add(-time.Hour)) {
		t.Errorf("payment %+v", pay)
	}
	if fixed.Kind != "modify" || fixed.Total != 1000 || fixed.Revision != 2 {
		t.Errorf("修正 %+v", fixed)
	}
	// The register's zone, as it stands in the JSON.
	_, raw := apiCall(t, e, nil, http.MethodGet, txnsPath(fx.cam, "limit", "1"), token)
	if !bytes.Contains(raw, []byte(`"sold_at":"2026-11-23T11:00:00+09:00"`)) || !bytes.Contains(raw, []byte(`"total":1200,`)) {
		t.Errorf("time or amount not as written: %s", raw)
	}

	for _, c := range []struct {
		name   string
		params []string
		want   []int64
	}{
		{"kind cancel", []string{"kind", "cancel"}, []int64{fx.cancel}},
		{"kind modify", []string{"kind", "modify"}, []int64{fx.fixed}},
		{"kind delete", []string{"kind", "delete"}, nil},
		{"q receipt", []string{"q", "R-0002"}, []int64{fx.cancel}},
		{"q staff", []string{"q", "佐藤"}, []int64{fx.pay}},
		{"q register", []string{"q", "レジ1"}, []int64{fx.pay, fx.cancel, fx.fixed}},
		{"q matches nothing", []string{"q", "100%_"}, nil},
		{"from", []string{"from", testNow.Add(-150 * time.Minute).Format(time.RFC3339)}, []int64{fx.pay, fx.cancel}},
		{"to in UTC", []string{"to", testNow.Add(-90 * time.Minute).UTC().Format(time.RFC3339)}, []int64{fx.cancel, fx.fixed}},
		{"from and to", []string{"from", "2026-11-23T09:30:00+09:00", "to", "2026-11-23T02:00:00Z"}, []int64{fx.cancel}},
		{"from included", []string{"from", testNow.Add(-2 * time.Hour).Format(time.RFC3339Nano), "to", testNow.Add(-time.Hour).Format(time.RFC3339)},
			[]int64{fx.cancel}},
		{"before the range", []string{"to", testNow.Add(-5 * time.Hour).Format(time.RFC3339)}, nil},
		{"empty parameters", []string{"kind", "", "q", "", "limit", "", "cursor", "", "from", "", "to", ""}, []int64{fx.pay, fx.cancel, fx.fixed}},
	} {
		if got := txnIDs(listTxns(t, e, token, txnsPath(fx.cam, c.params...))); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if p := listTxns(t, e, token, txnsPath(fx.idleCam)); len(p.Transactions) != 0 {
		t.Errorf("a camera nothing feeds lists %v", txnIDs(p))
	}

	// Keyset pages: one at a time to the end, and back.
	var seen []int64
	path := txnsPath(fx.cam, "limit", "1")
	var prev string
	for range 4 {
		p := listTxns(t, e, token, path)
		seen = append(seen, txnIDs(p)...)
		if len(seen) > 1 && p.PrevCursor == "" {
			t.Errorf("page %d has no prev_cursor", len(seen))
		}
		prev = p.PrevCursor
		if p.NextCursor == "" {
			break
		}
		path = txnsPath(fx.cam, "limit", "1", "cursor", p.NextCursor)
	}
	if want := []int64{fx.pay, fx.cancel, fx.fixed}; !slices.Equal(seen, want) {
		t.Errorf("pages of one: %v, want %v", seen, want)
	}
	if got := txnIDs(listTxns(t, e, token, txnsPath(fx.cam, "limit", "1", "cursor", prev))); !slices.Equal(got, []int64{fx.cancel}) {
		t.Errorf("back from the last page: %v", got)
	}
	p = listTxns(t, e, token, txnsPath(fx.cam, "limit", "2"))
	if got := txnIDs(p); !slices.Equal(got, []int64{fx.pay, fx.cancel}) || p.NextCursor == "" {
		t.Errorf("limit 2: %v next %q", got, p.NextCursor)
	}
	if got := txnIDs(listTxns(t, e, token, txnsPath(fx.cam, "limit", "200"))); len(got) != 3 {
		t.Errorf("limit 200: %v", got)
	}

	// The session of the owner reads the same.
	res, body := apiCall(t, e, fx.owner, http.MethodGet, txnsPath(fx.cam, "kind", "cancel"), "")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"receipt_no":"R-0002"`) {
		t.Errorf("with the session: %d %s", res.StatusCode, body)
	}
}

// Each bad parameter is refused with 400 naming it; a camera that is not
// the tenant's is not found.
func TestAPITransactionsListRefusals(t *testing.T) {
	fx := newDashFixture(t)
	e := fx.e
	token := createToken(t, fx.owner, "viewer")
	otherToken := createToken(t, fx.otherOwner, "other viewer")
	next := listTxns(t, e, token, txnsPath(fx.cam, "limit", "1")).NextCursor
	// A cursor of the other tenant's camera, made with its token: a list
	// of its own with two transactions.
	otherConn := dashtest.Connection(t, e.pool, fx.tenantOf(t, fx.otherCam), "smaregi", "skother1")
	for i := range 2 {
		dashtest.Insert(t, e.pool, fx.tenantOf(t, fx.otherCam), otherConn, dashtest.Txn{CameraID: fx.otherCam,
			SoldAt: testNow.Add(-time.Duration(i+1) * time.Hour), Kind: "payment", Total: 100, Deposit: 100, ReceiptNo: "O-" + itoa(int64(i)),
			TerminalKey: "1:1"})
	}
	foreign := listTxns(t, e, otherToken, txnsPath(fx.otherCam, "limit", "1")).NextCursor
	if next == "" || foreign == "" {
		t.Fatalf("no cursors: %q %q", next, foreign)
	}
	at := func(d time.Duration) string { return testNow.Add(d).Format(time.RFC3339) }
	for _, c := range []struct {
		name   string
		params []string
		field  string
	}{
		{"from after to", []string{"from", at(-time.Hour), "to", at(-2 * time.Hour)}, "from"},
		{"from equal to", []string{"from", at(-time.Hour), "to", at(-time.Hour)}, "from"},
		{"from in the future, to now", []string{"from", at(time.Hour)}, "from"},
		{"range over 31 days", []string{"from", at(-32 * 24 * time.Hour)}, "from"},
		{"from without a zone", []string{"from", "2026-11-23T10:00:00"}, "from"},
		{"from a day only", []string{"from", "2026-11-23"}, "from"},
		{"from not a time", []string{"from", "yesterday"}, "from"},
		{"to without a zone", []string{"to", "2026-11-23T10:00:00"}, "to"},
		{"to Unix seconds", []string{"to", "1795400000"}, "to"},
		{"unknown kind", []string{"kind", "refund"}, "kind"},
		{"kind in Japanese", []string{"kind", "支払い"}, "kind"},
		{"kind upper case", []string{"kind", "PAYMENT"}, "kind"},
		{"limit over the maximum", []string{"limit", "201"}, "limit"},
		{"limit zero", []string{"limit", "0"}, "limit"},
		{"limit negative", []string{"limit", "-1"}, "limit"},
		{"limit not a number", []string{"limit", "ten"}, "limit"},
		{"limit huge", []string{"limit", "99999999999999999999"}, "limit"},
		{"malformed cursor", []string{"cursor", "not-a-cursor"}, "cursor"},
		{"cursor of another filter", []string{"cursor", next, "kind", "payment"}, "cursor"},
		{"cursor of another search", []string{"cursor", next, "q", "R"}, "cursor"},
		{"another tenant's cursor", []string{"cursor", foreign}, "cursor"},
		{"truncated cursor", []string{"cursor", next[:len(next)-2]}, "cursor"},
		{"oversized q", []string{"q", strings.Repeat("あ", 65)}, "q"},
		{"q with a direction control", []string{"q", "R-\u202E0001"}, "q"},
		{"q with NUL", []string{"q", "R\x000001"}, "q"},
		{"q not UTF-8", []string{"q", "R\xff"}, "q"},
		{"kind with NUL", []string{"kind", "pay\x00ment"}, "kind"},
	} {
		res, body := apiCall(t, e, nil, http.MethodGet, txnsPath(fx.cam, c.params...), token)
		wantProblem(t, c.name, res, body, http.StatusBadRequest, "/problems/invalid", c.field)
	}
	// 64 characters are a search.
	if p := listTxns(t, e, token, txnsPath(fx.cam, "q", strings.Repeat("あ", 64))); len(p.Transactions) != 0 {
		t.Errorf("a long search found %v", txnIDs(p))
	}
	// The other tenant's camera, one that does not exist, and IDs that
	// are not IDs: not found, parameters or not.
	for _, path := range []string{txnsPath(fx.otherCam), txnsPath(fx.otherCam, "kind", "refund"), txnsPath(fx.otherCam + 1000),
		"/api/v1/cameras/0/transactions", "/api/v1/cameras/abc/transactions"} {
		res, body := apiCall(t, e, nil, http.MethodGet, path, token)
		wantProblem(t, path, res, body, http.StatusNotFound, "/problems/not-found", "")
	}
	// The answer's language follows Accept-Language.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+txnsPath(fx.cam, "kind", "refund"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	validateAPI(t, req, res, body)
	if p := apiProblem(t, body); len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Detail, "The kind (kind)") {
		t.Errorf("in English: %s", body)
	}
}

// tenantOf is the tenant of a camera.
func (fx *dashFixture) tenantOf(t *testing.T, cameraID int64) int64 {
	t.Helper()
	var id int64
	if err := fx.e.pool.QueryRow(context.Background(), `SELECT tenant_id FROM cameras WHERE id = $1`, cameraID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A transaction comes with its earlier versions, oldest first, and what
// each change changed.
func TestAPITransactionDetail(t *testing.T) {
	fx := newDashFixture(t)
	e := fx.e
	token := createToken(t, fx.owner, "viewer")
	dashtest.Revise(t, e.pool, fx.fixed, true, "delete", 1000)

	get := func(id int64) apiTxnDetail {
		t.Helper()
		res, body := apiCall(t, e, nil, http.MethodGet, "/api/v1/transactions/"+itoa(id), token)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("transaction %d: %d %s", id, res.StatusCode, body)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		var d apiTxnDetail
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := get(fx.fixed)
	if d.Transaction.ID != fx.fixed || d.Transaction.Kind != "delete" || d.Transaction.Revision != 3 || d.Transaction.ReceiptNo != "R-0003" {
		t.Errorf("transaction %+v", d.Transaction)
	}
	type rev struct {
		n       int
		reason  string
		kind    string
		total   int64
		changed string
	}
	var got []rev
	for _, r := range d.Revisions {
		got = append(got, rev{r.Revision, r.Reason, r.Kind, r.Total, strings.Join(r.Changed, ",")})
	}
	want := []rev{{1, "delivery", "payment", 1200, "kind,total"}, {2, "vanished", "modify", 1000, "kind"}}
	if !slices.Equal(got, want) {
		t.Errorf("revisions %+v, want %+v", got, want)
	}
	if d := get(fx.pay); d.Revisions == nil || len(d.Revisions) != 0 || d.Transaction.Revision != 1 {
		t.Errorf("a payment never changed: %+v", d)
	}
	// A sale on no camera: its camera is null and it has no still.
	none := dashtest.Insert(t, e.pool, fx.tenant, fx.conn, dashtest.Txn{SoldAt: testNow.Add(-time.Hour), Kind: "payment",
		Total: 500, Deposit: 500, ReceiptNo: "R-0009", TerminalKey: "1:9"})
	_, body := apiCall(t, e, nil, http.MethodGet, "/api/v1/transactions/"+itoa(none), token)
	if !bytes.Contains(body, []byte(`"camera_id":null`)) || !bytes.Contains(body, []byte(`"thumbnail":{"state":"no_camera"}`)) {
		t.Errorf("a sale on no camera: %s", body)
	}
	// Another tenant's, one that does not exist, and IDs that are not.
	otherTenant := fx.tenantOf(t, fx.otherCam)
	otherConn := dashtest.Connection(t, e.pool, otherTenant, "smaregi", "skother2")
	foreign := dashtest.Insert(t, e.pool, otherTenant, otherConn, dashtest.Txn{CameraID: fx.otherCam, SoldAt: testNow.Add(-time.Hour),
		Kind: "payment", Total: 100, Deposit: 100, ReceiptNo: "O-1", TerminalKey: "1:1"})
	for _, path := range []string{"/api/v1/transactions/" + itoa(foreign), "/api/v1/transactions/" + itoa(foreign+1000),
		"/api/v1/transactions/0", "/api/v1/transactions/x1"} {
		res, body := apiCall(t, e, nil, http.MethodGet, path, token)
		wantProblem(t, path, res, body, http.StatusNotFound, "/problems/not-found", "")
	}
	otherToken := createToken(t, fx.otherOwner, "other viewer")
	if res, _ := apiCall(t, e, nil, http.MethodGet, "/api/v1/transactions/"+itoa(foreign), otherToken); res.StatusCode != http.StatusOK {
		t.Errorf("its own tenant's transaction: %d", res.StatusCode)
	}
}

// The thumbnail is the stored JPEG with cache headers, or a problem that
// says its state; the list says the same state.
func TestAPITransactionThumbnail(t *testing.T) {
	fx := newDashFixture(t)
	e := fx.e
	token := createToken(t, fx.owner, "viewer")
	img := testJPEG(t)
	sales := map[string]int64{}
	for _, st := range []string{"ready", "pending", "no_recording", "unreachable", "evicted"} {
		var b []byte
		if st == "ready" {
			b = img
		}
		sales[st] = e.stillSale(t, fx.tenant, fx.conn, fx.cam, "cancel", st, b)
	}
	thumb := func(id int64) string { return "/api/v1/transactions/" + itoa(id) + "/thumbnail" }

	res, body := apiCall(t, e, nil, http.MethodGet, thumb(sales["ready"]), token)
	etag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" || !bytes.Equal(body, img) {
		t.Fatalf("ready: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") || etag == "" {
		t.Errorf("ready: Cache-Control %q, ETag %q", cc, etag)
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+thumb(sales["ready"]), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-None-Match", etag)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	validateAPI(t, req, res, body)
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", res.StatusCode, len(body))
	}

	for _, c := range []struct {
		state  string
		status int
		typ    string
		retry  bool
	}{
		{"pending", http.StatusServiceUnavailable, "/problems/unavailable", true},
		{"unreachable", http.StatusServiceUnavailable, "/problems/unavailable", true},
		{"no_recording", http.StatusNotFound, "/problems/not-found", false},
		{"evicted", http.StatusNotFound, "/problems/not-found", false},
	} {
		res, body := apiCall(t, e, nil, http.MethodGet, thumb(sales[c.state]), token)
		wantProblem(t, c.state, res, body, c.status, c.typ, "")
		if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); (ra > 0) != c.retry {
			t.Errorf("%s: Retry-After %q", c.state, res.Header.Get("Retry-After"))
		}
		if bytes.Contains(body, []byte("\xff\xd8")) {
			t.Errorf("%s: a picture in the problem", c.state)
		}
	}
	none := dashtest.Insert(t, e.pool, fx.tenant, fx.conn, dashtest.Txn{SoldAt: testNow.Add(-time.Hour), Kind: "payment",
		Total: 500, Deposit: 500, ReceiptNo: "R-0009", TerminalKey: "1:9"})
	res, body = apiCall(t, e, nil, http.MethodGet, thumb(none), token)
	wantProblem(t, "no camera", res, body, http.StatusNotFound, "/problems/not-found", "")

	// The list gives each row's state, and the URL of a ready one. The
	// sales are stored at the database's now.
	var now time.Time
	if err := e.pool.QueryRow(context.Background(), `SELECT now()`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	p := listTxns(t, e, token, txnsPath(fx.cam, "from", now.Add(-time.Hour).Format(time.RFC3339), "to", now.Add(time.Hour).Format(time.RFC3339)))
	states := map[int64]string{}
	for _, tx := range p.Transactions {
		states[tx.ID] = tx.Thumbnail.State
	}
	for st, id := range sales {
		if states[id] != st {
			t.Errorf("the list says %q of the %s still", states[id], st)
		}
	}
	for _, tx := range p.Transactions {
		if (tx.Thumbnail.URL != "") != (tx.Thumbnail.State == "ready") || tx.Thumbnail.URL != "" && tx.Thumbnail.URL != thumb(tx.ID) {
			t.Errorf("transaction %d: %s at %q", tx.ID, tx.Thumbnail.State, tx.Thumbnail.URL)
		}
	}
	i := slices.IndexFunc(p.Transactions, func(tx apiTxn) bool { return tx.ID == sales["ready"] })
	if res, body := apiCall(t, e, nil, http.MethodGet, p.Transactions[i].Thumbnail.URL, token); res.StatusCode != http.StatusOK || !bytes.Equal(body, img) {
		t.Errorf("the list's URL: %d", res.StatusCode)
	}

	// Another tenant's still is not found, ready or not; its own is there.
	otherToken := createToken(t, fx.otherOwner, "other viewer")
	for st, id := range sales {
		res, body := apiCall(t, e, nil, http.MethodGet, thumb(id), otherToken)
		wantProblem(t, "another tenant's "+st, res, body, http.StatusNotFound, "/problems/not-found", "")
		if res.Header.Get("ETag") != "" || bytes.Contains(body, []byte("\xff\xd8")) {
			t.Errorf("another tenant's %s still leaks", st)
		}
	}
}

// Tokens read their own tenant only, on every endpoint; a revoked token
// reads nothing any more.
func TestAPITransactionsTokensOfTwoTenants(t *testing.T) {
	fx := newDashFixture(t)
	e := fx.e
	tokenA := createToken(t, fx.owner, "viewer A")
	tokenB := createToken(t, fx.otherOwner, "viewer B")
	ready := e.stillSale(t, fx.tenant, fx.conn, fx.cam, "cancel", "ready", testJPEG(t))
	otherTenant := fx.tenantOf(t, fx.otherCam)
	otherConn := dashtest.Connection(t, e.pool, otherTenant, "smaregi", "skother3")
	otherReady := e.stillSale(t, otherTenant, otherConn, fx.otherCam, "cancel", "ready", testJPEG(t))

	paths := func(cam, txn int64) []string {
		return []string{txnsPath(cam), "/api/v1/transactions/" + itoa(txn), "/api/v1/transactions/" + itoa(txn) + "/thumbnail"}
	}
	for _, c := range []struct {
		token    string
		cam, txn int64
		want     int
	}{
		{tokenA, fx.cam, ready, http.StatusOK},
		{tokenB, fx.otherCam, otherReady, http.StatusOK},
		{tokenA, fx.otherCam, otherReady, http.StatusNotFound},
		{tokenB, fx.cam, ready, http.StatusNotFound},
		{tokenB, fx.cam, fx.fixed, http.StatusNotFound},
	} {
		for _, p := range paths(c.cam, c.txn) {
			res, body := apiCall(t, e, nil, http.MethodGet, p, c.token)
			if res.StatusCode != c.want {
				t.Errorf("GET %s: %d, want %d\n%s", p, res.StatusCode, c.want, body)
			}
		}
	}
	// B's list of A's camera with a kind that would be refused is still
	// not found: nothing tells B that the camera exists.
	res, body := apiCall(t, e, nil, http.MethodGet, txnsPath(fx.cam, "kind", "refund"), tokenB)
	wantProblem(t, "B on A's camera", res, body, http.StatusNotFound, "/problems/not-found", "")

	var idA int64
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM api_tokens WHERE name = 'viewer A'`).Scan(&idA); err != nil {
		t.Fatal(err)
	}
	postDone(t, fx.owner, "/tokens/"+itoa(idA)+"/revoke", nil, "viewer A")
	for _, p := range append(paths(fx.cam, ready), txnsPath(fx.cam, "kind", "refund"), "/api/v1/transactions/"+itoa(otherReady)) {
		res, body := apiCall(t, e, nil, http.MethodGet, p, tokenA)
		wantProblem(t, "revoked "+p, res, body, http.StatusUnauthorized, "/problems/unauthorized", "")
		if !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("revoked %s: WWW-Authenticate %q", p, res.Header.Get("WWW-Authenticate"))
		}
	}
	// Without credentials: 401 as well; B's token still reads B's.
	for _, p := range paths(fx.cam, ready) {
		res, body := apiCall(t, e, nil, http.MethodGet, p, "")
		wantProblem(t, "anonymous "+p, res, body, http.StatusUnauthorized, "/problems/unauthorized", "")
	}
	for _, p := range paths(fx.otherCam, otherReady) {
		if res, _ := apiCall(t, e, nil, http.MethodGet, p, tokenB); res.StatusCode != http.StatusOK {
			t.Errorf("B after A's revocation: GET %s %d", p, res.StatusCode)
		}
	}
}
