package smaregi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// TimeField is the date range that bounds a transactions query.
type TimeField int

// The ranges a query is bounded by.
const (
	// ByUpdate is upd_date_time: when the server created or last changed a
	// record — the poller's cursor.
	ByUpdate TimeField = iota + 1
	// BySale is terminal_tran_date_time: when the register rang it up.
	BySale
)

// MaxRange is the longest date range a query may span (pos-apis §2.4:
// each range at most 31 days).
const MaxRange = 31 * 24 * time.Hour

// PageLimit is the largest page of heads the API serves.
const PageLimit = pageLimit

// TransactionsQuery asks for the heads of one date range, oldest first:
// sorted by the range's time, then by transactionHeadId. It reads one
// page; the caller goes on from the last record (a keyset), never by page
// number: records changed while the pages are read move to a later time,
// and with page numbers the records after them would shift onto a page
// already read and be skipped.
type TransactionsQuery struct {
	By TimeField
	// From and To bound the range, both included, in whole seconds; To −
	// From is at most MaxRange.
	From, To time.Time
	// AfterID, when positive, asks for the records of the one second From
	// (From == To) with transactionHeadId above it, by id: the rest of a
	// second that held more records than a page.
	AfterID int64
	// Limit is the page size, 1 to PageLimit (0: PageLimit).
	Limit int
	// IDsOnly asks for transactionHeadId and the two times only (fields=):
	// the records then carry no Transaction.
	IDsOnly bool
}

// Record is one transaction head as a page delivered it, checked.
type Record struct {
	ID int64
	// UpdatedAt is updDateTime, SoldAt terminalTranDateTime (with the
	// offset Smaregi wrote).
	UpdatedAt, SoldAt time.Time
	// Sale: a sale (transactionHeadDivision 1, 通常), which the dashboard
	// shows; 入金, 出金 and the other divisions are not sales.
	Sale bool
	// Transaction is the record as the dashboard stores it, for a sale
	// read in full.
	Transaction pos.Transaction
}

// Transactions is GET /{contract}/pos/transactions: one page of the query
// (scope pos.transactions:read). A page that is not the documented answer
// — not a list of heads, a value that is not a string, a field missing,
// an absurd amount or time, more records than asked, records out of the
// range or out of order — fails whole as Malformed with the reason in
// Detail: none of it is returned.
func (c *Client) Transactions(ctx context.Context, contractID, accessToken string, q TransactionsQuery) ([]Record, error) {
	k := call{"transactions", contractID}
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", k.op, err)
	}
	v := url.Values{"limit": {strconv.Itoa(q.limit())}, "page": {"1"}}
	rng, sortKey := "upd_date_time", "updDateTime"
	if q.By == BySale {
		rng, sortKey = "terminal_tran_date_time", "terminalTranDateTime"
	}
	v.Set(rng+"-from", q.From.In(jst).Format(time.RFC3339))
	v.Set(rng+"-to", q.To.In(jst).Format(time.RFC3339))
	v.Set("sort", sortKey+",transactionHeadId")
	if q.AfterID > 0 {
		// ASSUMPTION: transaction_head_id-from (S2, S4) is accepted
		// without -to; it is used only for a second holding more than a
		// page of records.
		v.Set("transaction_head_id-from", strconv.FormatInt(q.AfterID+1, 10))
		v.Set("sort", "transactionHeadId")
	}
	if q.IDsOnly {
		v.Set("fields", "transactionHeadId,transactionHeadDivision,terminalTranDateTime,updDateTime")
	} else {
		// The その他支払 names the payment method of a QR code or gift
		// certificate payment.
		v.Set("with_deposit_others", "all")
	}
	u := c.apiBase + "/" + url.PathEscape(contractID) + "/pos/transactions?" + v.Encode()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.op, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	res, body, err := c.do(ctx, k, req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, c.statusError(k, res, body, "", ReasonScope)
	}
	if !isJSON(res.Header) {
		return nil, k.fail(res.StatusCode, pos.Malformed, "", "Content-Type "+res.Header.Get("Content-Type"))
	}
	var raws []json.RawMessage
	if err := decodeStrict(body, &raws); err != nil {
		return nil, k.fail(res.StatusCode, pos.Malformed, "", "not a list of transactions: "+err.Error())
	}
	recs, err := q.read(raws, platformRecord, c.now())
	if err != nil {
		return nil, k.fail(res.StatusCode, pos.Malformed, "", err.Error())
	}
	return recs, nil
}

// LegacyTransactions is the same query through the legacy API's
// transaction_ref, for links on the old access token until the cut-over.
// Its heads name the same transactions by the same IDs, so a feed moves
// from one API to the other without losing its place.
func (c *Client) LegacyTransactions(ctx context.Context, contractID, accessToken string, q TransactionsQuery) ([]Record, error) {
	k := call{"legacy transaction_ref", contractID}
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", k.op, err)
	}
	field := "updDateTime"
	if q.By == BySale {
		field = "terminalTranDateTime"
	}
	conds := []map[string]string{
		{field + " >=": q.From.In(jst).Format(legacyLayout)},
		{field + " <=": q.To.In(jst).Format(legacyLayout)},
	}
	order := []string{field, "transactionHeadId"}
	if q.AfterID > 0 {
		conds = append(conds, map[string]string{"transactionHeadId >": strconv.FormatInt(q.AfterID, 10)})
		order = []string{"transactionHeadId"}
	}
	p := map[string]any{"table_name": "TransactionHead", "conditions": conds, "order": order, "limit": q.limit(), "page": 1}
	if q.IDsOnly {
		p["fields"] = []string{"transactionHeadId", "transactionHeadDivision", "terminalTranDateTime", "updDateTime"}
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode transaction_ref params: %w", err)
	}
	var res struct {
		TotalCount *string            `json:"total_count"`
		Result     *[]json.RawMessage `json:"result"`
	}
	if err := c.legacyCall(ctx, k, accessToken, "transaction_ref", params, &res); err != nil {
		return nil, err
	}
	if res.Result == nil || res.TotalCount == nil {
		return nil, k.fail(http.StatusOK, pos.Malformed, "", "no total_count or result")
	}
	if n, err := strconv.Atoi(*res.TotalCount); err != nil || n < len(*res.Result) {
		return nil, k.fail(http.StatusOK, pos.Malformed, "", fmt.Sprintf("total_count %q for %d records", *res.TotalCount, len(*res.Result)))
	}
	recs, err := q.read(*res.Result, legacyRecord, c.now())
	if err != nil {
		return nil, k.fail(http.StatusOK, pos.Malformed, "", err.Error())
	}
	return recs, nil
}

func (q TransactionsQuery) limit() int {
	if q.Limit <= 0 {
		return PageLimit
	}
	return q.Limit
}

// check refuses a query the API would refuse: it is the caller's bug.
func (q TransactionsQuery) check() error {
	switch {
	case q.By != ByUpdate && q.By != BySale:
		return fmt.Errorf("no date range")
	case q.Limit < 0 || q.Limit > PageLimit:
		return fmt.Errorf("limit %d", q.Limit)
	case q.To.Before(q.From) || q.To.Sub(q.From) > MaxRange:
		return fmt.Errorf("range %s to %s is not within %v", q.From, q.To, MaxRange)
	case q.AfterID > 0 && !q.From.Equal(q.To):
		return fmt.Errorf("an id bound in a range of more than a second")
	}
	return nil
}

// read checks a page's records: each one well formed, within the range
// and after the one before in the query's order.
func (q TransactionsQuery) read(raws []json.RawMessage, parse func(json.RawMessage, bool, time.Time) (Record, error), now time.Time) ([]Record, error) {
	if len(raws) > q.limit() {
		return nil, fmt.Errorf("%d records on a page of %d", len(raws), q.limit())
	}
	from, to := q.From.Truncate(time.Second), q.To.Truncate(time.Second)
	out := make([]Record, 0, len(raws))
	for i, raw := range raws {
		r, err := parse(raw, q.IDsOnly, now)
		if err != nil {
			return nil, fmt.Errorf("record %d of the page: %w", i+1, err)
		}
		at := r.UpdatedAt
		if q.By == BySale {
			at = r.SoldAt
		}
		if at.Before(from) || at.After(to) {
			return nil, fmt.Errorf("transaction %d at %s, outside the range asked for", r.ID, at.Format(time.RFC3339))
		}
		switch {
		case q.AfterID > 0 && r.ID <= q.AfterID:
			return nil, fmt.Errorf("transaction %d, not above %d", r.ID, q.AfterID)
		case i == 0:
		case q.AfterID > 0 && r.ID <= out[i-1].ID:
			return nil, fmt.Errorf("transaction %d after %d: not sorted by id", r.ID, out[i-1].ID)
		case q.AfterID == 0 && !sortedAfter(out[i-1], r, q.By):
			return nil, fmt.Errorf("transaction %d after %d: not sorted by time and id", r.ID, out[i-1].ID)
		}
		out = append(out, r)
	}
	return out, nil
}

// sortedAfter reports whether b comes after a by the range's time, then id.
func sortedAfter(a, b Record, by TimeField) bool {
	ta, tb := a.UpdatedAt, b.UpdatedAt
	if by == BySale {
		ta, tb = a.SoldAt, b.SoldAt
	}
	return ta.Before(tb) || (ta.Equal(tb) && a.ID < b.ID)
}

// joinNames joins payment method names, each once.
func joinNames(names []string) string {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, "・")
}
