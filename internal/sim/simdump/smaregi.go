package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/poslink/poslink/internal/sim/simclock"
	"github.com/poslink/poslink/internal/sim/smaregi"
)

// now is the frozen clock of the dump: before the legacy API's cut-over, so
// both APIs answer.
var smaregiNow = time.Date(2026, 1, 20, 15, 0, 0, 0, time.FixedZone("JST", 9*3600))

// dumpSmaregi writes the POS API's and the legacy API's answers.
func dumpSmaregi(dir string) error {
	sim := smaregi.New(smaregi.Config{Seed: 7, Clock: simclock.NewFrozen(smaregiNow), RateLimit: -1})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	c, err := sim.CreateContract(smaregi.ContractSpec{
		HistoryStart: smaregiNow.AddDate(0, 0, -40),
		Stores:       []smaregi.StoreSpec{{Terminals: 2}, {Terminals: 1}},
	})
	if err != nil {
		return err
	}
	cl := (&clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		TokenURL: ts.URL + "/app/" + c.ID + "/token",
		Scopes:   []string{"pos.transactions:read", "pos.stores:read"}, AuthStyle: oauth2.AuthStyleInHeader,
	}).Client(context.Background())
	pos := func(path string, q url.Values) string { return ts.URL + "/" + c.ID + "/pos" + path + "?" + q.Encode() }
	day := url.Values{
		"terminal_tran_date_time-from": {smaregiNow.Add(-24 * time.Hour).Format(time.RFC3339)},
		"terminal_tran_date_time-to":   {smaregiNow.Format(time.RFC3339)},
	}
	all := url.Values{"with_deposit_others": {"all"}, "with_layaways": {"all"}, "with_layaway_pick_ups": {"all"}, "limit": {"1000"}}
	for k, v := range day {
		all[k] = v
	}
	list, err := fetch(cl, pos("/transactions", all))
	if err != nil {
		return err
	}
	var ids []struct {
		ID string `json:"transactionHeadId"`
	}
	if err := json.Unmarshal(list, &ids); err != nil {
		return fmt.Errorf("transactions: %w", err)
	}
	if len(ids) == 0 {
		return errors.New("transactions: an empty list")
	}
	withAll := url.Values{}
	for _, k := range []string{"with_details", "with_deposit_others", "with_store", "with_layaways", "with_layaway_pick_ups",
		"with_coupons", "with_customer", "with_customer_groups", "with_staff"} {
		withAll.Set(k, "all")
	}
	files := map[string]string{
		"transactions.json":       pos("/transactions", all),
		"transactions-plain.json": pos("/transactions", day),
		"transaction.json":        pos("/transactions/"+ids[0].ID, withAll),
		"stores.json":             pos("/stores", url.Values{"with_point_condition": {"all"}, "with_receipt_print_info": {"all"}}),
		"terminals.json":          pos("/terminals", nil),
	}
	for name, u := range files {
		b, err := fetch(cl, u)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	for name, call := range map[string][2]string{
		"legacy-head.json":   {"transaction_ref", `{"table_name":"TransactionHead","conditions":[{"updDateTime >=":"2026-01-19 15:00:00"}]}`},
		"legacy-detail.json": {"transaction_ref", `{"table_name":"TransactionDetail","conditions":[{"updDateTime >=":"2026-01-19 15:00:00"}]}`},
		"legacy-store.json":  {"store_ref", `{"table_name":"Store"}`},
	} {
		b, err := legacy(ts.URL, c, call[0], call[1])
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func fetch(cl *http.Client, u string) ([]byte, error) {
	resp, err := cl.Get(u)
	if err != nil {
		return nil, err
	}
	return body(resp)
}

// legacy calls the old API the way its clients did (underscored headers).
func legacy(base string, c smaregi.Contract, proc, params string) ([]byte, error) {
	form := url.Values{"proc_name": {proc}, "params": {params}}
	req, err := http.NewRequest(http.MethodPost, base+"/access/", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header["X_contract_id"] = []string{c.ID}
	req.Header["X_access_token"] = []string{c.LegacyAccessToken}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	return body(resp)
}

func body(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(resp.Body)
	err = errors.Join(err, resp.Body.Close())
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: HTTP %d: %.200s", resp.Request.URL.Path, resp.StatusCode, b)
	}
	return b, err
}
