package smaregi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/poslink/poslink/internal/pos"
)

// The legacy スマレジAPI (v2): POST /access/ with the contract ID and access
// token in headers and a command (proc_name) with JSON params in a form. It
// is retired on 2026-01-24; poslink uses it only to keep links made before
// that working until their owners move them to client credentials.

// legacyPageLimit is the largest page a *_ref command serves.
const legacyPageLimit = 1000

// LegacyStores lists the contract's stores with store_ref, which also proves
// the contract ID and access token. The old API has no command listing
// registers: terminals of a legacy link are known only from its bindings.
func (c *Client) LegacyStores(ctx context.Context, contractID, accessToken string) ([]Store, error) {
	k := call{"legacy store_ref", contractID}
	var all []Store
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, k.fail(0, pos.Malformed, "", fmt.Sprintf("more than %d pages", maxPages))
		}
		params, err := json.Marshal(map[string]any{
			"table_name": "Store", "fields": []string{"storeId", "storeCode", "storeName", "division"},
			"limit": legacyPageLimit, "page": page,
		})
		if err != nil {
			return nil, fmt.Errorf("encode store_ref params: %w", err)
		}
		var res struct {
			TotalCount string  `json:"total_count"`
			Result     []Store `json:"result"`
		}
		if err := c.legacyCall(ctx, k, accessToken, "store_ref", params, &res); err != nil {
			return nil, err
		}
		for _, s := range res.Result {
			if !ValidID(s.ID) {
				return nil, k.fail(http.StatusOK, pos.Malformed, "", fmt.Sprintf("storeId %q", s.ID))
			}
		}
		all = append(all, res.Result...)
		if len(res.Result) < legacyPageLimit {
			return all, nil
		}
	}
}

// legacyError is the legacy API's error body. error_code is a number in
// captured answers and a string in some clients' models: both are read.
type legacyError struct {
	Code        json.RawMessage `json:"error_code"`
	Error       string          `json:"error"`
	Description string          `json:"error_description"`
}

// legacyCall posts one command and decodes its answer into v.
func (c *Client) legacyCall(ctx context.Context, k call, accessToken, proc string, params []byte, v any) error {
	form := url.Values{"proc_name": {proc}, "params": {string(params)}}
	req, err := http.NewRequest(http.MethodPost, c.legacyBase+"/access/", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%s: %w", k.op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	// The documented spelling, kept as is (net/http would not change it).
	req.Header["X_contract_id"] = []string{k.contract}
	req.Header["X_access_token"] = []string{accessToken}
	res, body, err := c.do(ctx, k, req)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return c.legacyStatusError(k, res, body)
	}
	if !isJSON(res.Header) && !looksJSON(body) {
		return k.fail(res.StatusCode, pos.Malformed, "", "Content-Type "+res.Header.Get("Content-Type"))
	}
	if err := decodeStrict(body, v); err != nil {
		return k.fail(res.StatusCode, pos.Malformed, "", err.Error())
	}
	return nil
}

// looksJSON accepts an object body under a generic media type: the old API
// is not known to label its answers consistently.
func looksJSON(body []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) }

// legacyStatusError maps the old API's error answers: 410 or error 23 once
// it is retired, 13/21 a refused token, 14 an unknown contract.
func (c *Client) legacyStatusError(k call, res *http.Response, body []byte) *pos.Error {
	var le legacyError
	// A body that is not the documented JSON leaves the code empty: the
	// status alone then decides.
	_ = json.Unmarshal(body, &le)
	code := strings.Trim(string(le.Code), `" `)
	if _, err := strconv.Atoi(code); err != nil {
		code = ""
	}
	e := k.fail(res.StatusCode, pos.Malformed, "", le.Description)
	e.Code = code
	switch {
	case res.StatusCode == http.StatusGone:
		// ASSUMPTION (pos-apis §5 #18): the shut-down API answers 410 (with
		// error 23); a 23 before that is a function switched off in the
		// shop's API settings, which is ReasonLegacyRefused.
		e.Class, e.Reason = pos.CredentialsRefused, ReasonLegacyRetired
	case res.StatusCode == http.StatusTooManyRequests:
		e.Class, e.RetryAfter = pos.RateLimited, pos.ParseRetryAfter(res.Header, c.now())
	case res.StatusCode >= 500:
		e.Class = pos.Unavailable
	case code == "13" || code == "21":
		e.Class, e.Reason = pos.CredentialsRefused, ReasonLegacyToken
	case code == "14":
		e.Class, e.Reason = pos.NotFound, ReasonContract
	case code != "":
		e.Class, e.Reason = pos.CredentialsRefused, ReasonLegacyRefused
	}
	return e
}
