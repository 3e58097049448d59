package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
	"github.com/poslink/poslink/internal/sim/simclock"
	"github.com/poslink/poslink/internal/sim/ubiregi"
)

// dumpUbiregi writes a busy day's checkouts page and the account.
func dumpUbiregi(dir string) error {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, shop.Tokyo)
	sim := ubiregi.New(ubiregi.Config{Seed: 42, Clock: simclock.NewFrozen(day.Add(24 * time.Hour)), HistoryFrom: day.AddDate(0, 0, -7)})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	const client = "simdump"
	if err := sim.RegisterClient(ubiregi.Client{ID: client, Secret: "simdump-secret", RedirectURIs: []string{ts.URL + "/cb"}, Name: "simdump"}); err != nil {
		return err
	}
	acct, err := sim.CreateAccount(ubiregi.Account{Login: "simdump", Email: "simdump@example.com", Password: "simdump-pass", Name: "カフェ・ユビレジ", Devices: 3})
	if err != nil {
		return err
	}
	tok, err := sim.IssueToken(client, acct.ID)
	if err != nil {
		return err
	}
	since := day.Add(11 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	for name, path := range map[string]string{
		"ubiregi-checkouts.json": "/api/3/accounts/current/checkouts?" + url.Values{"since": {since}}.Encode(),
		"ubiregi-account.json":   "/api/3/accounts/current",
	} {
		req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		b, err := body(resp)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
