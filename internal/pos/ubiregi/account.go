package ubiregi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/pos"
)

// Account is the account a token belongs to, with what poslink needs of it.
type Account struct {
	ID   int64
	Name string
	// Devices are the account's registers (iPads): a checkout's device_id
	// is a device's GUID.
	Devices []Device
	// Timezone is the account's IANA zone ("Asia/Tokyo"), in which its
	// registers' times are shown; empty when the account has none.
	Timezone string
	// Cashiers and PaymentTypes name the ids checkouts refer to.
	Cashiers     []Named
	PaymentTypes []Named
}

// Named is a cashier or payment type of the account.
type Named struct {
	ID   int64
	Name string
}

// Device is a register of the account. Ubiregi documents no devices
// endpoint; the live Account object carries devices: [{guid, name}].
type Device struct {
	GUID string
	Name string
}

// maxGUID bounds a device GUID: a UUID is 36 characters; anything much
// longer is not one, and poslink stores the GUID as a terminal key.
const maxGUID = 100

// AccountCurrent is GET /api/3/accounts/current with the access token.
func (c *Client) AccountCurrent(ctx context.Context, accessToken string) (Account, error) {
	const op = "read the current account"
	var body struct {
		Account *struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Devices []struct {
				GUID string `json:"guid"`
				Name string `json:"name"`
			} `json:"devices"`
			Timezone     string      `json:"timezone"`
			Cashiers     []namedJSON `json:"cashiers"`
			PaymentTypes []namedJSON `json:"payment_types"`
		} `json:"account"`
	}
	if err := c.getJSON(ctx, op, "/api/3/accounts/current", accessToken, &body); err != nil {
		return Account{}, err
	}
	a := body.Account
	if a == nil || a.ID <= 0 {
		return Account{}, malformed(op, "no account id")
	}
	out := Account{ID: a.ID, Name: a.Name, Devices: make([]Device, 0, len(a.Devices))}
	seen := make(map[string]bool, len(a.Devices))
	for _, d := range a.Devices {
		if d.GUID == "" || len(d.GUID) > maxGUID || !utf8.ValidString(d.GUID) || seen[d.GUID] {
			return Account{}, malformed(op, "a device without a usable, unique guid")
		}
		seen[d.GUID] = true
		out.Devices = append(out.Devices, Device{GUID: d.GUID, Name: d.Name})
	}
	out.Timezone = a.Timezone
	var err error
	if out.Cashiers, err = named(a.Cashiers); err != nil {
		return Account{}, malformed(op, "cashiers: "+err.Error())
	}
	if out.PaymentTypes, err = named(a.PaymentTypes); err != nil {
		return Account{}, malformed(op, "payment_types: "+err.Error())
	}
	return out, nil
}

// namedJSON is a cashier or payment type as the account lists it.
type namedJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// named checks a list of cashiers or payment types: ids positive and
// unique, names text.
func named(in []namedJSON) ([]Named, error) {
	out := make([]Named, 0, len(in))
	seen := make(map[int64]bool, len(in))
	for _, n := range in {
		if n.ID <= 0 || seen[n.ID] || !utf8.ValidString(n.Name) {
			return nil, fmt.Errorf("an entry without a usable, unique id (%d)", n.ID)
		}
		seen[n.ID] = true
		out = append(out, Named(n))
	}
	return out, nil
}

// getJSON GETs path with the bearer token and decodes a 200 answer into v.
func (c *Client) getJSON(ctx context.Context, op, path, accessToken string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return pos.Transport(Provider, op, c.timeout, err)
	}
	defer res.Body.Close()
	// The whole body is read within the deadline, so a server that trickles
	// its answer is as unavailable as one that never starts it.
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return pos.Transport(Provider, op, c.timeout, err)
	}
	if len(b) > maxBody {
		return malformed(op, "answer too large")
	}
	switch s := res.StatusCode; s {
	case http.StatusOK:
	case http.StatusUnauthorized:
		reason := ReasonInvalidToken
		if p, _ := parseBearerChallenge(res.Header.Get("WWW-Authenticate")); p["expired"] == "true" {
			reason = ReasonTokenExpired
		}
		return fail(op, s, pos.TokenRefused, reason, "")
	case http.StatusPaymentRequired:
		return fail(op, s, pos.CredentialsRefused, ReasonSubscription, firstReason(b))
	case http.StatusTooManyRequests:
		e := fail(op, s, pos.RateLimited, "", firstReason(b))
		e.RetryAfter = pos.ParseRetryAfter(res.Header, c.now())
		return e
	default:
		return fail(op, s, pos.StatusClass(s), "", firstReason(b))
	}
	if err := decodeStrict(b, v); err != nil {
		return malformed(op, err.Error())
	}
	return nil
}

// decodeStrict decodes one JSON value, refusing wrong types and trailing
// data. Unknown fields are allowed: the API adds fields over the years.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not the API's JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// firstReason reads the API's error body, [{"reason": "..."}], if it is one.
func firstReason(b []byte) string {
	var reasons []struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(b, &reasons) != nil || len(reasons) == 0 {
		return ""
	}
	r := reasons[0].Reason
	if len(r) > 200 || !utf8.ValidString(r) {
		return ""
	}
	return r
}
