package smaregi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// script runs the same conversation against a simulator and returns every
// body it got, in order.
func script(t *testing.T, f *fixture) [][]byte {
	t.Helper()
	var bodies [][]byte
	do := func(method, path, body string, header map[string]string) []byte {
		req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = []string{v}
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
		// Links name the listener's port, which differs between the two.
		link := strings.ReplaceAll(resp.Header.Get("Link"), f.ts.URL, "BASE")
		bodies = append(bodies, append([]byte(resp.Status+" "+link+"\n"), b...))
		return b
	}
	created := do("POST", "/_sim/contracts", `{"stores":[{"terminals":2},{"terminals":1}],"history_start":"2025-12-01T00:00:00+09:00"}`, nil)
	var c Contract
	mustJSON(t, created, &c)
	form := "grant_type=client_credentials&scope=pos.transactions%3Aread+pos.stores%3Aread"
	tokenBody := do("POST", "/app/"+c.ID+"/token", form, map[string]string{
		"Authorization": "Basic " + basic(c.ClientID, c.ClientSecret),
		"Content-Type":  "application/x-www-form-urlencoded",
	})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustJSON(t, tokenBody, &tok)
	auth := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	q := withQ(withQ(withQ(day(), "with_details", "all"), "with_deposit_others", "all"), "limit", "50")
	list := do("GET", "/"+c.ID+"/pos/transactions?"+q.Encode(), "", auth)
	do("GET", "/"+c.ID+"/pos/transactions?"+withQ(q, "page", "2").Encode(), "", auth)
	var ids []struct {
		ID string `json:"transactionHeadId"`
	}
	mustJSON(t, list, &ids)
	do("GET", "/"+c.ID+"/pos/transactions/"+ids[3].ID+"?with_details=all&with_store=all", "", auth)
	do("GET", "/"+c.ID+"/pos/stores?with_point_condition=all", "", auth)
	do("GET", "/"+c.ID+"/pos/terminals", "", auth)
	do("POST", "/access/", url.Values{
		"proc_name": {"transaction_ref"},
		"params":    {fmt.Sprintf(`{"table_name":"TransactionHead","conditions":[{"updDateTime >=":%q}]}`, t0.Add(-6*time.Hour).Format(legacyLayout))},
	}.Encode(), map[string]string{"X_contract_id": c.ID, "X_access_token": c.LegacyAccessToken, "Content-Type": "application/x-www-form-urlencoded"})
	do("GET", "/_sim/synthetic/3", "", nil)
	return bodies
}

func TestSameSeedAndClockGiveIdenticalBodies(t *testing.T) {
	syn := Synthetic{Contracts: 10}
	a := script(t, newFixture(t, Config{Seed: 42, Synthetic: syn}))
	b := script(t, newFixture(t, Config{Seed: 42, Synthetic: syn}))
	if len(a) != len(b) {
		t.Fatalf("%d vs %d answers", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("answer %d differs:\n%.300s\n%.300s", i, a[i], b[i])
		}
		if !bytes.HasPrefix(a[i], []byte("200")) && !bytes.HasPrefix(a[i], []byte("201")) {
			t.Fatalf("answer %d failed: %.300s", i, a[i])
		}
	}
	c := script(t, newFixture(t, Config{Seed: 43, Synthetic: syn}))
	if bytes.Equal(a[0], c[0]) || bytes.Equal(a[2], c[2]) {
		t.Fatal("another seed gave the same contract or transactions")
	}
}
