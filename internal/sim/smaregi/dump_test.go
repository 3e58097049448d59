package smaregi

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// TestDumpForFidelity writes sample answers for ../shared/tools/fidelity.py
// when SMAREGI_SIM_DUMP names a directory, e.g.
//
//	SMAREGI_SIM_DUMP=/tmp/sim go test -run Dump ./internal/sim/smaregi/
//	python3 ../shared/tools/fidelity.py /tmp/sim/transactions.json smaregi/smaregi-api.yaml --schema getTransaction
func TestDumpForFidelity(t *testing.T) {
	dir := os.Getenv("SMAREGI_SIM_DUMP")
	if dir == "" {
		t.Skip("SMAREGI_SIM_DUMP not set")
	}
	f := newFixture(t, Config{})
	c := f.contract(t, ContractSpec{})
	cl := f.client(t, c)
	all := url.Values{"with_deposit_others": {"all"}, "with_layaways": {"all"}, "with_layaway_pick_ups": {"all"}, "limit": {"1000"}}
	for k, v := range day() {
		all[k] = v
	}
	_, list := get(t, cl, f.pos(c, "/transactions", all))
	var ids []struct {
		ID string `json:"transactionHeadId"`
	}
	mustJSON(t, list, &ids)
	files := map[string]string{
		"transactions.json":       f.pos(c, "/transactions", all),
		"transactions-plain.json": f.pos(c, "/transactions", day()),
		"transaction.json": f.pos(c, "/transactions/"+ids[0].ID, url.Values{"with_details": {"all"}, "with_deposit_others": {"all"}, "with_store": {"all"}, "with_layaways": {"all"}, "with_layaway_pick_ups": {"all"},
			"with_coupons": {"all"}, "with_customer": {"all"}, "with_customer_groups": {"all"}, "with_staff": {"all"}}),
		"stores.json":    f.pos(c, "/stores", url.Values{"with_point_condition": {"all"}, "with_receipt_print_info": {"all"}}),
		"terminals.json": f.pos(c, "/terminals", nil),
	}
	for name, u := range files {
		_, b := get(t, cl, u)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, params := range map[string]string{
		"legacy-head.json":   `{"table_name":"TransactionHead","conditions":[{"updDateTime >=":"2026-01-19 15:00:00"}]}`,
		"legacy-detail.json": `{"table_name":"TransactionDetail","conditions":[{"updDateTime >=":"2026-01-19 15:00:00"}]}`,
	} {
		_, b := legacyCall(t, f, c.ID, c.LegacyAccessToken, "transaction_ref", params, true)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, b := legacyCall(t, f, c.ID, c.LegacyAccessToken, "store_ref", `{"table_name":"Store"}`, true)
	if err := os.WriteFile(filepath.Join(dir, "legacy-store.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
