package smaregi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// storeFacts are what a store shows beyond its ID, code and name, drawn
// from its contract and place.
type storeFacts struct {
	seq                      int // displaySequence
	postCode, address, phone string
	invoiceNo                string
	insDateTime              time.Time
}

func factsOf(a *account, st *Store) storeFacts {
	seq := 1
	for i := range a.Stores {
		if a.Stores[i].ID == st.ID {
			seq = i + 1
		}
	}
	h := draw(hashString(a.ID), uint64(st.ID))
	return storeFacts{
		seq:         seq,
		postCode:    fmt.Sprintf("1%02d-%04d", h%100, h/100%10_000),
		address:     fmt.Sprintf("東京都中央区銀座%d-%d-%d", 1+h%8, 1+h/8%20, 1+h/160%30),
		phone:       fmt.Sprintf("03-%04d-%04d", h/5000%10_000, h/50_000_000%10_000),
		invoiceNo:   fmt.Sprintf("T%013d", h%10_000_000_000_000),
		insDateTime: a.HistoryStart,
	}
}

// writeStore writes a store as the Platform API's GET /stores does (fields
// of pos-apis §2.6, every value a string).
func writeStore(b *[]byte, st *Store, a *account, pointCondition, receiptInfo bool) {
	f := factsOf(a, st)
	o := beginObject(b, nil)
	o.num("storeId", int64(st.ID))
	o.str("storeCode", st.Code)
	o.str("storeName", st.Name)
	o.str("storeAbbr", st.Name)
	o.str("printReceiptStoreName", st.Name)
	o.str("printStockReceiptStoreName", st.Name)
	o.str("division", "1")
	o.str("postCode", f.postCode)
	o.str("address", f.address)
	o.str("phoneNumber", f.phone)
	for _, k := range []string{"faxNumber", "mailAddress", "homepage", "tempTranMailAddress"} {
		o.null(k)
	}
	o.str("priceChangeFlag", "1")
	o.str("sellDivision", "1")
	o.str("sumProcDivision", "1")
	o.str("sumDateChangeTime", "0400")
	o.str("sumRefColumn", "0")
	o.str("pointNotApplicable", "0")
	o.str("taxFreeDivision", "0")
	o.str("maxBundleProductCount", "9")
	o.str("maxDiscountRate", "100")
	for _, k := range []string{"carriageDisplayFlag", "terminalAdjustmentCashFlag", "terminalCheckCashFlag",
		"waiterAdjustmentDivision", "savingAutoDivision"} {
		o.str(k, "0")
	}
	o.null("savingAutoPrice")
	o.str("cancelSettingDivision", "0")
	o.str("roundingDivision", "00")
	o.str("discountRoundingDivision", "2")
	o.str("cardCompanySelectDivision", "0")
	o.null("giftReceiptValidDays")
	o.str("taxLabelNormal", "外")
	o.str("taxLabelReduce", "軽")
	o.str("pauseFlag", "0")
	o.num("displaySequence", int64(f.seq))
	o.str("facePaymentUseDivision", "0")
	o.str("invoiceRegistrationNo", f.invoiceNo)
	o.str("insDateTime", platformTime(f.insDateTime))
	o.str("updDateTime", platformTime(f.insDateTime))
	if pointCondition {
		o.sub("pointCondition", func(b *[]byte) {
			p := beginObject(b, nil)
			p.num("storeId", int64(st.ID))
			p.str("pointUseDivision", "0")
			p.str("spendRate", "1")
			p.str("pointGivingUnitPrice", "100")
			p.str("pointGivingUnit", "1")
			p.str("pointGivingDivision", "1")
			p.str("pointUseUnit", "1")
			p.str("pointSpendDivision", "1")
			p.str("pointSpendLimitDivision", "0")
			p.str("expireDivision", "0")
			p.null("expireLimit")
			p.str("mileageDivision", "0")
			p.end()
		})
	}
	if receiptInfo {
		o.sub("receiptPrintInfo", func(b *[]byte) {
			p := beginObject(b, nil)
			p.num("storeId", int64(st.ID))
			p.str("header", st.Name)
			p.str("footer", "ご来店ありがとうございました。")
			for _, k := range []string{"receiptTaxOfficeStampComment", "taxOfficeName", "airPrintLogo", "advertisementImage",
				"giftReceiptImage", "giftReceiptNote", "discountReceiptHeader", "discountReceiptFooter"} {
				p.null(k)
			}
			p.end()
		})
	}
	o.end()
}

// writeLegacyStore writes a store as a legacy store_ref row, in the order
// of the captured sample.
func writeLegacyStore(o *object, st *Store, a *account) {
	f := factsOf(a, st)
	o.num("storeId", int64(st.ID))
	o.str("storeCode", st.Code)
	o.str("storeName", st.Name)
	o.str("storeAbbr", st.Name)
	o.str("division", "1")
	o.str("postCode", f.postCode)
	o.str("address", f.address)
	o.str("phoneNumber", f.phone)
	for _, k := range []string{"faxNumber", "mailAddress", "homepage", "tempTranMailAddress"} {
		o.null(k)
	}
	o.str("priceChangeFlag", "1")
	o.str("sellDivision", "1")
	o.str("sumProcDivision", "1")
	o.str("sumDateChangeTime", "0400")
	o.str("sumRefColumn", "0")
	o.str("pointNotApplicable", "0")
	o.str("taxFreeDivision", "0")
	o.str("maxBundleProductCount", "9")
	o.str("roundingDivision", "00")
	o.str("discountRoundingDivision", "2")
	o.str("pauseFlag", "0")
	o.str("pointUseDivision", "0")
	o.str("insDateTime", legacyTime(f.insDateTime))
	o.str("updDateTime", legacyTime(f.insDateTime))
}

// listStores is GET /stores.
func (s *Server) listStores(w http.ResponseWriter, r *http.Request, a *account, _ time.Time, _ string) {
	q := r.URL.Query()
	limit, pg, err := limitPage(q, 1000)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	pc, rpi, err := storeFlags(q.Get)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	idx := make([]int, len(a.Stores))
	for i := range idx {
		idx[i] = i
	}
	idx = page(idx, pg, limit)
	b := []byte{'['}
	for i, si := range idx {
		if i > 0 {
			b = append(b, ',')
		}
		writeStore(&b, &a.Stores[si], a, pc, rpi)
	}
	b = append(b, ']')
	writeList(w, r, b, pg, len(idx) == limit)
}

// getStore is GET /stores/{store_id}.
func (s *Server) getStore(w http.ResponseWriter, r *http.Request, a *account, _ time.Time, idS string) {
	pc, rpi, err := storeFlags(r.URL.Query().Get)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	for i := range a.Stores {
		if strconv.Itoa(a.Stores[i].ID) == idS {
			var b []byte
			writeStore(&b, &a.Stores[i], a, pc, rpi)
			writeJSON(w, http.StatusOK, b)
			return
		}
	}
	writeProblem(w, http.StatusNotFound, "The store was not found.")
}

func storeFlags(get func(string) string) (pointCondition, receiptInfo bool, err error) {
	q := map[string][]string{"with_point_condition": {get("with_point_condition")}, "with_receipt_print_info": {get("with_receipt_print_info")}}
	pc, err := withValue(q, "with_point_condition", "all", "none")
	if err != nil {
		return false, false, err
	}
	rpi, err := withValue(q, "with_receipt_print_info", "all", "none")
	return pc == "all", rpi == "all", err
}

// listTerminals is GET /terminals (fields of pos-apis §2.6).
func (s *Server) listTerminals(w http.ResponseWriter, r *http.Request, a *account, _ time.Time, _ string) {
	q := r.URL.Query()
	limit, pg, err := limitPage(q, 1000)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	var storeID int
	if sid := q.Get("store_id"); sid != "" {
		if storeID, err = strconv.Atoi(sid); err != nil || storeID < 1 {
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("store_id must be a positive integer, got %q", sid))
			return
		}
	}
	var regs []*register
	for i := range a.regs {
		if storeID == 0 || a.regs[i].store.ID == storeID {
			regs = append(regs, &a.regs[i])
		}
	}
	regs = page(regs, pg, limit)
	b := []byte{'['}
	for i, reg := range regs {
		if i > 0 {
			b = append(b, ',')
		}
		o := beginObject(&b, nil)
		o.num("storeId", int64(reg.store.ID))
		o.num("terminalId", int64(reg.term.ID))
		o.str("terminalName", reg.term.Name)
		o.null("cashDrawerId")
		o.str("uuid", terminalUUID(reg.term.Seed))
		o.str("selfCheckoutAvailableFlag", "0")
		o.str("useStopDivision", "0")
		o.str("transactionEditableFlag", "1")
		o.str("smartIdEngineAvailableFlag", "0")
		o.null("creditTerminalId")
		o.null("parentTerminalId")
		o.str("appVersion", "6.14.0")
		o.str("insDateTime", platformTime(reg.shop.Since))
		o.str("updDateTime", platformTime(reg.shop.Since))
		o.end()
	}
	b = append(b, ']')
	writeList(w, r, b, pg, len(regs) == limit)
}

// terminalUUID is the register's 端末識別番号: printable ASCII of at most
// 40 characters (S12); an iPad's identifier looks like an upper-case UUID.
func terminalUUID(seed uint64) string {
	h := strings.ToUpper(hexDraw(32, seed, 0x75))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
