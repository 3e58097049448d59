package smaregi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// admin calls a control endpoint and returns status and body.
func admin(t *testing.T, f *fixture, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
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

func TestControlEndpoints(t *testing.T) {
	f := newFixture(t, Config{})
	st, b := admin(t, f, "POST", "/_sim/contracts", `{"contract_id":"sb_skc130x6","scopes":["pos.transactions:read"],"stores":[{"name":"本店","terminals":3}]}`)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, b)
	}
	var c Contract
	mustJSON(t, b, &c)
	if c.ID != "sb_skc130x6" || len(c.ClientID) != 32 || len(c.ClientSecret) != 64 || c.Stores[0].Name != "本店" || len(c.Stores[0].Terminals) != 3 {
		t.Fatalf("created %+v", c)
	}
	if st, b := admin(t, f, "POST", "/_sim/contracts", `{"contract_id":"sb_skc130x6"}`); st != 400 {
		t.Fatalf("duplicate: %d %s", st, b)
	}
	if st, b := admin(t, f, "POST", "/_sim/contracts", `{"stores":[{"terminals":256}]}`); st != 400 {
		t.Fatalf("256 terminals: %d %s", st, b)
	}
	if st, b := admin(t, f, "POST", "/_sim/contracts", `{"scopes":["pos.everything"]}`); st != 400 {
		t.Fatalf("unknown scope: %d %s", st, b)
	}
	if st, _ := admin(t, f, "GET", "/_sim/contracts/sb_skc130x6", ""); st != 200 {
		t.Fatalf("get: %d", st)
	}
	if st, _ := admin(t, f, "GET", "/_sim/contracts/nope", ""); st != 404 {
		t.Fatalf("get unknown: %d", st)
	}
	st, b = admin(t, f, "POST", "/_sim/contracts/sb_skc130x6/secret", "")
	if st != 200 || !strings.Contains(string(b), `"client_secret":"`) || strings.Contains(string(b), c.ClientSecret) {
		t.Fatalf("reissue: %d %s", st, b)
	}
	for _, call := range [][3]string{
		{"DELETE", "/_sim/contracts/sb_skc130x6/secret", ""},
		{"POST", "/_sim/contracts/sb_skc130x6/revoke-tokens", ""},
		{"PUT", "/_sim/contracts/sb_skc130x6/rate-limit", `{"per_second":5}`},
		{"PUT", "/_sim/contracts/sb_skc130x6/scopes", `{"scopes":["pos.transactions:read","pos.stores:read"]}`},
	} {
		if st, b := admin(t, f, call[0], call[1], call[2]); st != http.StatusNoContent {
			t.Fatalf("%s %s: %d %s", call[0], call[1], st, b)
		}
	}
	got, _ := f.srv.Contract("sb_skc130x6")
	if got.ClientSecret != "" || got.RateLimit != 5 || len(got.Scopes) != 2 {
		t.Fatalf("after the changes: %+v", got)
	}
	if st, b := admin(t, f, "PUT", "/_sim/contracts/sb_skc130x6/rate-limit", `{}`); st != 400 {
		t.Fatalf("rate limit without a value: %d %s", st, b)
	}

	// The synthetic range, and a synthetic contract used like a real one.
	if st, b := admin(t, f, "PUT", "/_sim/synthetic", `{"contracts":1000,"terminals_per_contract":4,"stores_per_contract":2}`); st != 200 {
		t.Fatalf("synthetic: %d %s", st, b)
	}
	st, b = admin(t, f, "GET", "/_sim/synthetic/999", "")
	var syn Contract
	mustJSON(t, b, &syn)
	if st != 200 || !syn.Synthetic || len(syn.Stores) != 2 || len(syn.Stores[1].Terminals) != 2 || !strings.HasPrefix(syn.ID, "skz") {
		t.Fatalf("synthetic 999: %d %s", st, b)
	}
	if st, _ := admin(t, f, "GET", "/_sim/synthetic/1000", ""); st != 404 {
		t.Fatalf("synthetic beyond the range: %d", st)
	}
	if st, b := admin(t, f, "GET", "/_sim/contracts/"+syn.ID, ""); st != 200 || !strings.Contains(string(b), syn.ClientSecret) {
		t.Fatalf("synthetic by ID: %d %s", st, b)
	}
	if resp, b := get(t, f.client(t, syn), f.pos(syn, "/terminals", nil)); resp.StatusCode != 200 || len(heads(t, b)) != 4 {
		t.Fatalf("synthetic terminals: %d %s", resp.StatusCode, b)
	}
	// Changing a synthetic contract keeps it (and only it).
	if err := f.srv.RevokeTokens(syn.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Contracts()); n != 2 {
		t.Fatalf("%d contracts held after changing one synthetic contract", n)
	}

	// The shared clock and fault handlers are mounted.
	if st, b := admin(t, f, "POST", "/_sim/clock", `{"advance":"1h"}`); st != 200 || !strings.Contains(string(b), "2026-01-20T16:00:00+09:00") {
		t.Fatalf("clock: %d %s", st, b)
	}
	if st, b := admin(t, f, "PUT", "/_sim/faults", `{"error_rate":1}`); st != 200 {
		t.Fatalf("faults: %d %s", st, b)
	}
	if _, err := f.oauth(syn).Token(context.Background()); err == nil {
		t.Fatal("error_rate 1 let a token through")
	}
	admin(t, f, "DELETE", "/_sim/faults", "")
	st, b = admin(t, f, "GET", "/_sim/", "")
	if st != 200 || !strings.Contains(string(b), `"contracts":2`) {
		t.Fatalf("index: %d %s", st, b)
	}
	if st, _ := admin(t, f, "DELETE", "/_sim/contracts/sb_skc130x6", ""); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
}
