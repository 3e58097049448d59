package smaregi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/poslink/poslink/internal/pos"
)

// Store is a 店舗 of a contract. Every value is a string, as the API sends it.
type Store struct {
	ID   string `json:"storeId"`
	Code string `json:"storeCode"`
	Name string `json:"storeName"`
	// Division is 1 for a shop, 2 for a warehouse.
	Division string `json:"division"`
}

// Terminal is a レジ端末. Its ID is unique within its store only.
type Terminal struct {
	StoreID string `json:"storeId"`
	ID      string `json:"terminalId"`
	Name    string `json:"terminalName"`
	// UseStopDivision is 1 for a register no longer in use.
	UseStopDivision string `json:"useStopDivision"`
}

// idPattern is a store or terminal ID: a positive decimal number (terminal
// IDs have at most nine digits; store IDs are given the same room).
var idPattern = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// ValidID reports whether s is a well-formed store or terminal ID.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// pageLimit is the largest page the API serves; maxPages bounds a listing
// (500,000 rows: far beyond any contract, small enough to stop a loop).
const (
	pageLimit = 1000
	maxPages  = 500
)

// Stores lists the contract's stores (GET /{contract}/pos/stores; scope
// pos.stores:read).
func (c *Client) Stores(ctx context.Context, contractID, accessToken string) ([]Store, error) {
	stores, err := list[Store](ctx, c, "stores", contractID, accessToken, "stores", nil)
	if err != nil {
		return nil, err
	}
	for _, s := range stores {
		if !ValidID(s.ID) {
			return nil, call{"stores", contractID}.fail(http.StatusOK, pos.Malformed, "", fmt.Sprintf("storeId %q", s.ID))
		}
	}
	return stores, nil
}

// Terminals lists the contract's registers, of one store when storeID is
// not empty (GET /{contract}/pos/terminals).
func (c *Client) Terminals(ctx context.Context, contractID, accessToken, storeID string) ([]Terminal, error) {
	q := url.Values{}
	if storeID != "" {
		q.Set("store_id", storeID)
	}
	terms, err := list[Terminal](ctx, c, "terminals", contractID, accessToken, "terminals", q)
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		if !ValidID(t.StoreID) || !ValidID(t.ID) {
			return nil, call{"terminals", contractID}.fail(http.StatusOK, pos.Malformed, "",
				fmt.Sprintf("storeId %q terminalId %q", t.StoreID, t.ID))
		}
	}
	return terms, nil
}

// list reads every page of a POS API collection. The body of each page is a
// bare JSON array; a page shorter than the limit is the last (the Link
// header is not relied on: pos-apis §2.7).
func list[T any](ctx context.Context, c *Client, op, contractID, accessToken, resource string, q url.Values) ([]T, error) {
	k := call{op, contractID}
	var all []T
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, k.fail(0, pos.Malformed, "", fmt.Sprintf("more than %d pages", maxPages))
		}
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("limit", strconv.Itoa(pageLimit))
		qq.Set("page", strconv.Itoa(page))
		u := c.apiBase + "/" + url.PathEscape(contractID) + "/pos/" + resource + "?" + qq.Encode()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		req.Header.Set("Authorization", "Bearer "+accessToken)
		req.Header.Set("Accept", "application/json")
		res, body, err := c.do(ctx, k, req)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			// 401: the token expired or was revoked; 403: it lacks the
			// scope; 404: the contract in the path is not the token's.
			return nil, c.statusError(k, res, body, "", ReasonScope)
		}
		if !isJSON(res.Header) {
			return nil, k.fail(res.StatusCode, pos.Malformed, "", "Content-Type "+res.Header.Get("Content-Type"))
		}
		var rows []T
		if err := decodeStrict(body, &rows); err != nil {
			return nil, k.fail(res.StatusCode, pos.Malformed, "", err.Error())
		}
		all = append(all, rows...)
		if len(rows) < pageLimit {
			return all, nil
		}
	}
}
