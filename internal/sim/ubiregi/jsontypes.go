package ubiregi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// money is an amount of yen written as the API writes money: a string
// with one decimal, "19720.0".
type money int64

func (m money) MarshalJSON() ([]byte, error) {
	b := append([]byte{'"'}, strconv.AppendInt(nil, int64(m), 10)...)
	return append(b, '.', '0', '"'), nil
}

// stamp is an instant written as the API writes them: UTC, whole seconds,
// with Z ("2022-06-25T11:41:52Z"); the zero time is null.
type stamp time.Time

const stampLayout = "2006-01-02T15:04:05Z"

func (t stamp) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(stampLayout)+2)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, stampLayout)
	return append(b, '"'), nil
}

// calcOption is the rounding set-up of an account and its checkouts.
type calcOption struct {
	TaxRoundingMode     string `json:"tax_rounding_mode"`
	PriceRoundingMode   string `json:"price_rounding_mode"`
	TaxCalculationLevel string `json:"tax_calculation_level"`
}

// ASSUMPTION: every simulated account rounds tax down per checkout, as the
// account of the real sample does (resp_checkouts.json).
var defaultCalc = calcOption{TaxRoundingMode: "down", PriceRoundingMode: "down", TaxCalculationLevel: "checkout"}

// reason is one element of the API's error body: [{"reason": "..."}].
type reason struct {
	Reason string `json:"reason"`
}

// writeJSON writes v with the status. Keys come out in struct order and
// no map is ranged over, so equal inputs give equal bytes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The API's URLs (next-url) carry '&': keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `[{"reason":"internal error"}]`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError writes the API's error body (pos-apis.md §1.5, newer docs).
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, []reason{{msg}})
}
