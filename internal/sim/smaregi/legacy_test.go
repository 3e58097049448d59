package smaregi

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// legacyCall posts a command to the legacy API; underscore selects the
// Java client's header spelling (X_contract_id) over the Go client's.
func legacyCall(t *testing.T, f *fixture, contractID, token, proc, params string, underscore bool) (int, []byte) {
	t.Helper()
	form := url.Values{"proc_name": {proc}, "params": {params}}
	req, err := http.NewRequest(http.MethodPost, f.ts.URL+"/access/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	if underscore {
		req.Header["X_contract_id"] = []string{contractID}
		req.Header["X_access_token"] = []string{token}
	} else {
		req.Header.Set("X-contract-id", contractID)
		req.Header.Set("X-access-token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// shape is the merged structure of the values seen at one place of a
// JSON document: its types, and for objects how often each key appeared.
type shape struct {
	types map[string]bool
	seen  int
	keys  map[string]*shape
	count map[string]int
	items *shape
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	default:
		return "object"
	}
}

func (s *shape) add(v any) {
	if s.types == nil {
		s.types, s.keys, s.count = map[string]bool{}, map[string]*shape{}, map[string]int{}
	}
	s.types[jsonType(v)] = true
	switch x := v.(type) {
	case map[string]any:
		s.seen++
		for k, e := range x {
			if s.keys[k] == nil {
				s.keys[k] = &shape{}
			}
			s.keys[k].add(e)
			s.count[k]++
		}
	case []any:
		for _, e := range x {
			if s.items == nil {
				s.items = &shape{}
			}
			s.items.add(e)
		}
	}
}

// compareShapes reports every key of the sample missing from some of our
// objects, and every type of ours the sample never has. A null in the
// sample means any type, and a null of ours is accepted anywhere, as
// fidelity.py --ignore-null does: two captured rows of an apparel shop
// cannot show every column a café leaves empty (color, size).
func compareShapes(sample, sim *shape, path string) []string {
	var out []string
	if sample.types["null"] && len(sample.types) == 1 {
		return nil
	}
	for ty := range sim.types {
		if !sample.types[ty] && ty != "null" {
			out = append(out, fmt.Sprintf("%s: type %s, the sample has %v", path, ty, keysOfSet(sample.types)))
		}
	}
	for k, ks := range sample.keys {
		if sim.seen > 0 && sim.count[k] < sim.seen {
			out = append(out, fmt.Sprintf("%s.%s: in %d of %d objects", path, k, sim.count[k], sim.seen))
			continue
		}
		if sim.keys[k] != nil {
			out = append(out, compareShapes(ks, sim.keys[k], path+"."+k)...)
		}
	}
	if sample.items != nil && sim.items != nil {
		out = append(out, compareShapes(sample.items, sim.items, path+"[]")...)
	}
	return out
}

func keysOfSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// matchesSample compares a legacy answer with a copied real one.
func matchesSample(t *testing.T, body []byte, sampleFile string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/legacy/" + sampleFile)
	if err != nil {
		t.Fatal(err)
	}
	var sample, sim any
	mustJSON(t, raw, &sample)
	mustJSON(t, body, &sim)
	var a, b shape
	a.add(sample)
	b.add(sim)
	if diffs := compareShapes(&a, &b, "$"); len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("%s differs from the simulator's answer:\n%s", sampleFile, strings.Join(diffs, "\n"))
	}
	if b.keys["result"] == nil || b.keys["result"].items == nil {
		t.Errorf("no rows to compare with %s: %.200s", sampleFile, body)
	}
}

func TestLegacyRefsMatchTheCapturedSamples(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	from := t0.Add(-24 * time.Hour).Format(legacyLayout)
	params := func(table string, extra string) string {
		return fmt.Sprintf(`{"table_name":%q,"conditions":[{"transactionDateTime >=":%q},{"transactionDateTime <":%q}]%s}`,
			table, from, t0.Format(legacyLayout), extra)
	}
	st, b := legacyCall(t, f, c.ID, c.LegacyAccessToken, "transaction_ref", params("TransactionHead", `,"limit":1000`), true)
	if st != 200 {
		t.Fatalf("transaction_ref: %d %s", st, b)
	}
	matchesSample(t, b, "transaction_head.json")
	var heads struct {
		TotalCount string              `json:"total_count"`
		Result     []map[string]string `json:"result"`
	}
	mustJSON(t, b, &heads)
	if heads.TotalCount != fmt.Sprint(len(heads.Result)) || len(heads.Result) < 40 {
		t.Fatalf("total_count %s for %d rows", heads.TotalCount, len(heads.Result))
	}
	if _, err := time.ParseInLocation(legacyLayout, heads.Result[0]["terminalTranDateTime"], jst); err != nil {
		t.Fatalf("legacy time layout: %v", err)
	}

	// Paging and order: page 2 of 5 in descending id order.
	st, b = legacyCall(t, f, c.ID, c.LegacyAccessToken, "transaction_ref",
		params("TransactionHead", `,"order":["transactionHeadId desc"],"limit":5,"page":2,"fields":["transactionHeadId","total"]`), false)
	var page2 struct {
		TotalCount string              `json:"total_count"`
		Result     []map[string]string `json:"result"`
	}
	mustJSON(t, b, &page2)
	n := len(heads.Result)
	if st != 200 || page2.TotalCount != heads.TotalCount || len(page2.Result) != 5 || len(page2.Result[0]) != 2 ||
		page2.Result[0]["transactionHeadId"] != heads.Result[n-6]["transactionHeadId"] {
		t.Fatalf("page 2 desc: %d %s", st, b)
	}

	st, b = legacyCall(t, f, c.ID, c.LegacyAccessToken, "transaction_ref", params("TransactionDetail", ""), true)
	if st != 200 {
		t.Fatalf("details: %d %s", st, b)
	}
	matchesSample(t, b, "transaction_detail.json")

	st, b = legacyCall(t, f, c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store"}`, true)
	if st != 200 {
		t.Fatalf("store_ref: %d %s", st, b)
	}
	matchesSample(t, b, "store.json")
	st, b = legacyCall(t, f, c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store","conditions":[{"storeId":"2"}]}`, false)
	if st != 200 || !strings.Contains(string(b), `"total_count":"1"`) {
		t.Fatalf("store_ref storeId=2: %d %s", st, b)
	}
}

func TestLegacyErrors(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	ok := `{"table_name":"Store"}`
	cases := []struct {
		name                  string
		contract, token, proc string
		params                string
		wantStatus, wantCode  int
	}{
		{"empty contract", "", c.LegacyAccessToken, "store_ref", ok, 400, 14},
		{"unknown contract", "skx999z9", c.LegacyAccessToken, "store_ref", ok, 400, 14},
		{"bad token", c.ID, "nope", "store_ref", ok, 400, 13},
		{"no token", c.ID, "", "store_ref", ok, 400, 13},
		{"bad proc", c.ID, c.LegacyAccessToken, "receipt_ref", ok, 400, 15},
		{"params not JSON", c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":`, 400, 41},
		{"bad table", c.ID, c.LegacyAccessToken, "transaction_ref", `{"table_name":"Receipt"}`, 400, 31},
		{"limit 1001", c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store","limit":1001}`, 400, 41},
		{"bad condition", c.ID, c.LegacyAccessToken, "transaction_ref",
			`{"table_name":"TransactionHead","conditions":[{"total >":"1"}]}`, 400, 41},
		{"period too long", c.ID, c.LegacyAccessToken, "transaction_ref", `{"table_name":"TransactionHead"}`, 400, 41},
	}
	for _, tc := range cases {
		st, b := legacyCall(t, f, tc.contract, tc.token, tc.proc, tc.params, true)
		var e struct {
			Code        int    `json:"error_code"`
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		mustJSON(t, b, &e)
		if st != tc.wantStatus || e.Code != tc.wantCode || e.Error == "" || e.Description == "" {
			t.Errorf("%s: %d %s, want %d with code %d", tc.name, st, b, tc.wantStatus, tc.wantCode)
		}
	}
	st, b := legacyCall(t, f, "", "", "store_ref", ok, false)
	if st != 400 {
		t.Fatalf("empty contract: %d", st)
	}
	matchesErrorSample(t, b)
}

func matchesErrorSample(t *testing.T, body []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/legacy/error_14.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample, sim map[string]any
	mustJSON(t, raw, &sample)
	mustJSON(t, body, &sim)
	for k, v := range sample {
		if jsonType(sim[k]) != jsonType(v) {
			t.Errorf("error body %s: %s is %s, the sample has %s", body, k, jsonType(sim[k]), jsonType(v))
		}
	}
	if sim["error_code"] != sample["error_code"] || sim["error"] != sample["error"] || sim["error_description"] != sample["error_description"] {
		t.Errorf("empty contract ID: %s, the sample says %s", body, raw)
	}
}

func TestLegacyIsGoneAfterTheCutover(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	if st, b := legacyCall(t, f, c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store"}`, true); st != 200 {
		t.Fatalf("before the cut-over: %d %s", st, b)
	}
	f.clock.Set(DefaultLegacyCutover.Add(-time.Second))
	if st, _ := legacyCall(t, f, c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store"}`, true); st != 200 {
		t.Fatalf("a second before the cut-over: %d", st)
	}
	f.clock.Set(DefaultLegacyCutover)
	for _, call := range [][3]string{{c.ID, c.LegacyAccessToken, "store_ref"}, {"", "", "nothing"}} {
		st, b := legacyCall(t, f, call[0], call[1], call[2], `{"table_name":"Store"}`, false)
		var e struct {
			Code int `json:"error_code"`
		}
		mustJSON(t, b, &e)
		if st != http.StatusGone || e.Code != 23 {
			t.Fatalf("after the cut-over: %d %s, want 410 / 23", st, b)
		}
	}
	// The Platform API goes on.
	if resp, _ := get(t, f.client(t, c), f.pos(c, "/stores", nil)); resp.StatusCode != 200 {
		t.Fatalf("platform API after the cut-over: %d", resp.StatusCode)
	}
}
