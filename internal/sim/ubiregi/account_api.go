package ubiregi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

type accountJSON struct {
	ID                int64             `json:"id"`
	Login             string            `json:"login"`
	Email             string            `json:"email"`
	Name              string            `json:"name"`
	ExpireAt          stamp             `json:"expire_at"`
	Subscription      string            `json:"subscription"`
	Currency          string            `json:"currency"`
	Lang              string            `json:"lang"`
	DateOffset        int               `json:"date_offset"`
	Timezone          string            `json:"timezone"`
	ReceiptTitle      string            `json:"receipt_title"`
	ReceiptFooter     string            `json:"receipt_footer"`
	ReceiptLogo       *string           `json:"receipt_logo"`
	StampTaxThreshold string            `json:"stamp_tax_threshold"`
	StampTaxText      string            `json:"stamp_tax_text"`
	Menus             []int64           `json:"menus"`
	Tables            []struct{}        `json:"tables"`
	CustomerTags      []struct{}        `json:"customer_tags"`
	PaymentTypes      []paymentTypeJSON `json:"payment_types"`
	PaidInoutReasons  []string          `json:"paid_inout_reasons"`
	Cashiers          []cashierJSON     `json:"cashiers"`
	PriceBooks        []struct{}        `json:"price_books"`
	ParentIDs         []int64           `json:"parent_ids"`
	ChildIDs          []int64           `json:"child_ids"`
	SiblingIDs        []int64           `json:"sibling_ids"`
	CreatedAt         stamp             `json:"created_at"`
	UpdatedAt         stamp             `json:"updated_at"`
	Devices           []deviceJSON      `json:"devices"`
	SettingDisabled   bool              `json:"setting_disabled"`
	MenuGroupEditable bool              `json:"menu_group_editable"`
	CalculationOption calcOption        `json:"calculation_option"`
	Options           struct{}          `json:"options"`
	Settings          struct{}          `json:"settings"`
}

// paymentTypeJSON has the fields of the live Account schema (U4).
type paymentTypeJSON struct {
	ID                  int64      `json:"id"`
	Name                string     `json:"name"`
	Enabled             bool       `json:"enabled"`
	Change              bool       `json:"change"`
	Position            int        `json:"position"`
	Kind                string     `json:"kind"`
	Marketable          bool       `json:"marketable"`
	IconURL             *string    `json:"icon_url"`
	Annotations         []struct{} `json:"annotations"`
	RestrictedByDefault bool       `json:"restricted_by_default"`
	AllowedCategoryIDs  []int64    `json:"allowed_category_ids"`
	DeniedCategoryIDs   []int64    `json:"denied_category_ids"`
	Capped              bool       `json:"capped"`
}

type cashierJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
	CreatedAt stamp  `json:"created_at"`
	UpdatedAt stamp  `json:"updated_at"`
}

type deviceJSON struct {
	GUID string `json:"guid"`
	Name string `json:"name"`
}

// handleAccount is GET /api/3/accounts/{current|id}. Only the token's own
// account is visible: the simulator has no parent or child accounts.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, q apiRequest) {
	if !ownAccount(r, q.acct) {
		writeError(w, http.StatusNotFound, "the resource you requested was not found")
		return
	}
	st := newStore(s.cfg.Seed, q.acct)
	writeJSON(w, http.StatusOK, struct {
		Account   accountJSON `json:"account"`
		Timestamp stamp       `json:"timestamp"`
	}{st.accountJSON(q.now), stamp(q.now.Truncate(time.Second))})
}

// ownAccount reports whether the path's {account} is "current" or the id
// of the token's account.
func ownAccount(r *http.Request, a Account) bool {
	p := r.PathValue("account")
	return p == "current" || p == strconv.FormatInt(a.ID, 10)
}

// accountJSON is the Account object (pos-apis.md §1.4) as read at now,
// with the keys in the order of the live account transcribed in ubiapi's
// schema (U4), which also gives the types of the fields the old docs lack
// (stamp_tax_*, paid_inout_reasons, setting_disabled, menu_group_editable,
// options).
//
// ASSUMPTION: [pos-apis.md §5 #4] devices appear only here, as devices: [{guid, name}]
// (observed live), named レジ1, レジ2, … in order.
// ASSUMPTION: payment types are 現金 (cash, gives change), クレジットカード
// (card) and QRコード決済 (other), the three methods the shop generator uses.
// ASSUMPTION: the stamp-tax settings are the Japanese defaults of the live
// account (50,000 yen, 収入印紙), no paid-in/out reasons, settings enabled.
func (st *store) accountJSON(now time.Time) accountJSON {
	a := st.acct
	created := stamp(a.HistoryFrom)
	out := accountJSON{
		ID: a.ID, Login: a.Login, Email: a.Email, Name: a.Name, ExpireAt: stamp(expireAt(a.HistoryFrom, now)),
		Subscription: "standard", Currency: "JPY", Lang: "ja", DateOffset: dateOffset, Timezone: "Asia/Tokyo",
		ReceiptTitle: "領収書", ReceiptFooter: "ご来店ありがとうございました。",
		StampTaxThreshold: "50000", StampTaxText: "収　　入\n\n\n印　　紙",
		Menus:  []int64{st.menuID()},
		Tables: []struct{}{}, CustomerTags: []struct{}{}, PriceBooks: []struct{}{}, PaidInoutReasons: []string{},
		ParentIDs: []int64{}, ChildIDs: []int64{}, SiblingIDs: []int64{},
		MenuGroupEditable: true,
		CalculationOption: defaultCalc,
		CreatedAt:         created, UpdatedAt: created,
	}
	for i, pt := range []struct {
		m      shop.Method
		name   string
		kind   string
		change bool
	}{{shop.Cash, "現金", "cash", true}, {shop.Card, "クレジットカード", "card", false}, {shop.QR, "QRコード決済", "other", false}} {
		out.PaymentTypes = append(out.PaymentTypes, paymentTypeJSON{
			ID: st.paymentTypeID(pt.m), Name: pt.name, Enabled: true, Change: pt.change, Position: i, Kind: pt.kind,
			Marketable: true, Annotations: []struct{}{}, AllowedCategoryIDs: []int64{}, DeniedCategoryIDs: []int64{},
		})
	}
	out.Cashiers = make([]cashierJSON, 0, len(st.cashiers))
	for _, k := range st.cashiers {
		out.Cashiers = append(out.Cashiers, cashierJSON{ID: st.cashierID(k), Name: shop.StaffNames[k], Enabled: true, CreatedAt: created, UpdatedAt: created})
	}
	out.Devices = make([]deviceJSON, a.Devices)
	for d := range a.Devices {
		out.Devices[d] = deviceJSON{GUID: st.deviceGUID(d), Name: "レジ" + strconv.Itoa(d+1)}
	}
	return out
}

// expireAt is when the account's subscription runs out, as seen at now.
//
// ASSUMPTION: the live API sends a time here (the old docs allow null for
// no expiry, the transcribed live account has one). A simulated account
// pays yearly from the day it started selling: its subscription runs to
// the first anniversary of HistoryFrom after now. An account made expired
// through the control API is refused with 402 before anything shows it.
func expireAt(from, now time.Time) time.Time {
	// A year before now's year lies before now: start the search there.
	years := max(1, now.Year()-from.Year())
	for !from.AddDate(years, 0, 0).After(now) {
		years++
	}
	return from.AddDate(years, 0, 0)
}
