package smaregi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/pos"
)

// jst is the zone the legacy API writes its times in, without saying so.
var jst = time.FixedZone("JST", 9*3600)

// legacyLayout is the legacy API's date and time (pos-apis §2.9).
const legacyLayout = "2006-01-02 15:04:05"

// headJSON is what is read of a transaction head. Every value is a string
// (or null) on the wire: a number where a string belongs fails the
// decoding, as it should.
type headJSON struct {
	ID            *string `json:"transactionHeadId"`
	Division      *string `json:"transactionHeadDivision"`
	Cancel        *string `json:"cancelDivision"`
	Dispose       *string `json:"disposeDivision"`
	ReturnSales   *string `json:"returnSales"`
	Total         *string `json:"total"`
	Deposit       *string `json:"deposit"`
	DepositCash   *string `json:"depositCash"`
	DepositCredit *string `json:"depositCredit"`
	Change        *string `json:"change"`
	StoreID       *string `json:"storeId"`
	TerminalID    *string `json:"terminalId"`
	StaffName     *string `json:"staffName"`
	UUID          *string `json:"transactionUuid"`
	SoldAt        *string `json:"terminalTranDateTime"`
	UpdatedAt     *string `json:"updDateTime"`
	// DepositOthers are the その他支払 (with_deposit_others=all).
	DepositOthers *[]struct {
		Name   *string `json:"paymentMethodName"`
		Amount *string `json:"depositOthers"`
	} `json:"depositOthers"`
}

// legacyHeadJSON adds the legacy API's own spellings: change as charge
// (the captured sample) and その他支払 flattened into …1 to …3.
type legacyHeadJSON struct {
	headJSON
	Charge  *string `json:"charge"`
	Name1   *string `json:"paymentMethodName1"`
	Name2   *string `json:"paymentMethodName2"`
	Name3   *string `json:"paymentMethodName3"`
	Amount1 *string `json:"depositOthers1"`
	Amount2 *string `json:"depositOthers2"`
	Amount3 *string `json:"depositOthers3"`
}

// platformRecord reads a head of the Platform API.
func platformRecord(raw json.RawMessage, idsOnly bool, now time.Time) (Record, error) {
	var h headJSON
	if err := decodeStrict(raw, &h); err != nil {
		return Record{}, fmt.Errorf("not a transaction head: %w", err)
	}
	var others []other
	if h.DepositOthers != nil {
		for _, o := range *h.DepositOthers {
			others = append(others, other{o.Name, o.Amount})
		}
	}
	return h.record(raw, idsOnly, now, platformTime, others, h.Change)
}

// legacyRecord reads a head of the legacy API's transaction_ref.
func legacyRecord(raw json.RawMessage, idsOnly bool, now time.Time) (Record, error) {
	var h legacyHeadJSON
	if err := decodeStrict(raw, &h); err != nil {
		return Record{}, fmt.Errorf("not a transaction head: %w", err)
	}
	change := h.Change
	if change == nil {
		change = h.Charge
	}
	others := []other{{h.Name1, h.Amount1}, {h.Name2, h.Amount2}, {h.Name3, h.Amount3}}
	return h.record(raw, idsOnly, now, legacyTime, others, change)
}

// other is one その他支払.
type other struct{ name, amount *string }

// record checks a head and makes it a Record.
//
// Kinds (pos-apis §2.8): cancelDivision 1 (取消) is a cancel. A disposal
// (打消, 返品取消) flags the original (disposeDivision 1) and adds a
// negating record of negative amounts at the time it was done
// (disposeDivision 2): both are cancels — the original no longer counts,
// and the negating record is the cancel as the register rang it up, shown
// at its own time. Anything else is a payment; a head Smaregi deleted is
// never delivered again (Present finds it gone).
func (h *headJSON) record(raw json.RawMessage, idsOnly bool, now time.Time, parseTime func(string, time.Time) (time.Time, error), others []other, change *string) (Record, error) {
	if h.ID == nil || !headIDPattern.MatchString(*h.ID) {
		return Record{}, fmt.Errorf("transactionHeadId %s is not an id", quote(h.ID))
	}
	id, err := strconv.ParseInt(*h.ID, 10, 64)
	if err != nil {
		return Record{}, fmt.Errorf("transactionHeadId %s is not an id", quote(h.ID))
	}
	r := Record{ID: id}
	fail := func(format string, args ...any) (Record, error) {
		return Record{}, fmt.Errorf("transaction %d: %s", id, fmt.Sprintf(format, args...))
	}
	for _, f := range []struct {
		name string
		v    *string
		t    *time.Time
	}{{"terminalTranDateTime", h.SoldAt, &r.SoldAt}, {"updDateTime", h.UpdatedAt, &r.UpdatedAt}} {
		if f.v == nil {
			return fail("no %s", f.name)
		}
		if *f.t, err = parseTime(*f.v, now); err != nil {
			return fail("%s: %v", f.name, err)
		}
	}
	if h.Division == nil {
		return fail("no transactionHeadDivision")
	}
	r.Sale = *h.Division == "1"
	if idsOnly || !r.Sale {
		return r, nil
	}
	if h.StoreID == nil || h.TerminalID == nil || !ValidID(*h.StoreID) || !ValidID(*h.TerminalID) {
		return fail("storeId %s, terminalId %s: not a register", quote(h.StoreID), quote(h.TerminalID))
	}
	if h.Total == nil {
		return fail("no total")
	}
	t := pos.Transaction{
		ID:          *h.ID,
		TerminalKey: TerminalKey(*h.StoreID, *h.TerminalID),
		SoldAt:      r.SoldAt,
		Kind:        pos.Payment,
		UpdatedAt:   r.UpdatedAt,
		ReceiptNo:   text(h.UUID),
		Staff:       text(h.StaffName),
		Raw:         raw,
	}
	var cash, credit int64
	for _, m := range []struct {
		name string
		v    *string
		dst  *int64
	}{
		{"total", h.Total, &t.Total}, {"deposit", h.Deposit, &t.Deposit}, {"change", change, &t.Change},
		{"depositCash", h.DepositCash, &cash}, {"depositCredit", h.DepositCredit, &credit},
	} {
		if *m.dst, err = parseYen(m.v); err != nil {
			return fail("%s: %v", m.name, err)
		}
	}
	// Negative amounts belong to a negating record or a return only.
	negating := flag(h.Dispose) == "2" || flag(h.ReturnSales) == "1"
	if !negating && (t.Total < 0 || t.Deposit < 0 || t.Change < 0 || cash < 0 || credit < 0) {
		return fail("a negative amount (total %d, deposit %d, change %d) on a sale", t.Total, t.Deposit, t.Change)
	}
	switch {
	case flag(h.Cancel) == "1", flag(h.Dispose) == "1", flag(h.Dispose) == "2":
		t.Kind = pos.Cancel
	case flag(h.Cancel) != "0" || flag(h.Dispose) != "0":
		return fail("cancelDivision %s, disposeDivision %s: not the API's", quote(h.Cancel), quote(h.Dispose))
	}
	var names []string
	if cash != 0 {
		names = append(names, "現金")
	}
	if credit != 0 {
		names = append(names, "クレジット")
	}
	for i, o := range others {
		amount, err := parseYen(o.amount)
		if err != nil {
			return fail("その他支払 %d: %v", i+1, err)
		}
		if amount != 0 {
			names = append(names, text(o.name))
		}
	}
	t.PaymentMethod = joinNames(names)
	r.Transaction = t
	return r, nil
}

// TerminalKey is a register's key in bindings: "storeId:terminalId", as
// smaregilink keys them.
func TerminalKey(storeID, terminalID string) string { return storeID + ":" + terminalID }

// headIDPattern is a transactionHeadId: a positive decimal number.
var headIDPattern = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// maxYen bounds an amount: ten billion yen is no sale at a register.
const maxYen = 10_000_000_000

// parseYen reads an amount (a string of whole yen, "1100" or "1100.00";
// null or absent is 0).
func parseYen(v *string) (int64, error) {
	if v == nil || *v == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(*v, ".")
	digits := strings.TrimPrefix(whole, "-")
	if digits == "" || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" || strings.Trim(frac, "0") != "" || len(frac) > 6 {
		return 0, fmt.Errorf("%q is not an amount of yen", *v)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n > maxYen || n < -maxYen {
		return 0, fmt.Errorf("%q is not a plausible amount", *v)
	}
	return n, nil
}

// earliest is before any transaction: the Platform API opened in 2020,
// スマレジ in 2011.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxAhead is how far past the client's clock a time may lie: a
// register's clock may be off, but not by a week.
const maxAhead = 7 * 24 * time.Hour

// plausible refuses times before 2000 or more than a week ahead (a year
// 9999).
func plausible(t time.Time, s string, now time.Time) (time.Time, error) {
	if t.Before(earliest) || t.After(now.Add(maxAhead)) {
		return time.Time{}, fmt.Errorf("%q is not a plausible time", s)
	}
	return t, nil
}

// platformTime reads YYYY-MM-DDThh:mm:ssTZD, keeping its offset.
func platformTime(s string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time with its offset", s)
	}
	return plausible(t, s, now)
}

// legacyTime reads the legacy API's JST date and time.
func legacyTime(s string, now time.Time) (time.Time, error) {
	t, err := time.ParseInLocation(legacyLayout, s, jst)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time", s)
	}
	return plausible(t, s, now)
}

// flag is a division's value, "0" when null or absent.
func flag(v *string) string {
	if v == nil || *v == "" {
		return "0"
	}
	return *v
}

// text is a value for display, "" when null; invalid UTF-8 is replaced.
func text(v *string) string {
	if v == nil {
		return ""
	}
	if !utf8.ValidString(*v) {
		return strings.ToValidUTF8(*v, "�")
	}
	return *v
}

// quote shows a value in an error: quoted, or null.
func quote(v *string) string {
	if v == nil {
		return "null"
	}
	return strconv.Quote(pos.Shorten(*v))
}
