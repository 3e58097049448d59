package smaregi

import (
	"fmt"
	"time"

	"github.com/poslink/poslink/internal/sim/shop"
)

// view is a record with everything its head and lines show worked out, in
// the terms of the API.
type view struct {
	*rec
	lines []shop.Line
	// Money in yen, negative on a 打消 record.
	subtotal, total, tax, cashTotal, creditTotal   int64
	deposit, depositCash, depositCredit, changeDue int64
	other, qty, cost                               int64
	staffID                                        int64
	staffName, cardCompany, authNumber, slipNumber string
}

var cardCompanies = []string{"VISA", "Mastercard", "JCB", "American Express", "Diners Club"}

// qrPaymentName is the その他支払 (depositOthers) a QR code payment goes to.
const qrPaymentName = "QRコード決済"

// viewOf works out what record r shows.
func viewOf(r *rec) view {
	v := view{rec: r}
	amt := r.sale.Amount
	if r.edited() {
		amt = r.change.Amount // the same transaction, corrected
	}
	v.lines = amt.Lines
	sign := int64(1)
	if r.negates {
		sign = -1
	}
	v.subtotal, v.total, v.tax = sign*amt.Total, sign*amt.Total, sign*amt.Tax
	for _, l := range amt.Lines {
		v.qty += sign * int64(l.Qty)
		v.cost += sign * l.Price * int64(l.Qty) * 35 / 100
	}
	switch r.sale.Method {
	case shop.Cash:
		v.cashTotal, v.deposit, v.depositCash, v.changeDue = v.total, sign*amt.Deposit, sign*amt.Deposit, sign*amt.Change
		if r.negates {
			// The negating record pays back exactly what was kept.
			v.deposit, v.depositCash, v.changeDue = v.total, v.total, 0
		}
	case shop.Card:
		v.creditTotal, v.deposit, v.depositCredit = v.total, v.total, v.total
		h := draw(r.reg.shop.Seed, pCard, uint64(r.sale.Minute), uint64(r.sale.Index))
		v.cardCompany = cardCompanies[h%uint64(len(cardCompanies))]
		v.authNumber = fmt.Sprintf("%06d", h/7%1_000_000)
		v.slipNumber = fmt.Sprintf("%05d", h/11%100_000)
	default:
		v.deposit, v.other = v.total, v.total
	}
	v.staffID = int64(r.ti)*8 + int64(r.sale.Staff) + 1
	if staff := r.reg.shop.Staff(); r.sale.Staff < len(staff) {
		v.staffName = staff[r.sale.Staff]
	}
	return v
}

func platformTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(jst).Format(platformLayout)
}

func legacyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(jst).Format(legacyLayout)
}

func itoa(n int64) string { return fmt.Sprint(n) }

// cancelAt is when the sale was cancelled (取消), zero if it was not.
func (v *view) cancelAt() time.Time {
	if v.cancelled() {
		return v.change.At
	}
	return time.Time{}
}

func (v *view) sumDivision() string {
	if v.adjAt.IsZero() {
		return "0" // 未処理
	}
	return "2" // 締め済
}

// creditOnly returns s for a card payment, "" (null) otherwise.
func (v *view) creditOnly(s string) string {
	if v.sale.Method == shop.Card {
		return s
	}
	return ""
}

// platform writes the head as the Platform API does, in the order of the
// public OpenAPI description (getTransactionItem). Columns a simulated shop
// never fills (members, points, miles, memos) are null, as in real data.
func (v *view) platform(o *object) {
	o.num("transactionHeadId", v.vals[aID])
	o.str("transactionDateTime", platformTime(v.tdt))
	o.num("transactionHeadDivision", v.vals[aDivision])
	o.num("cancelDivision", v.vals[aCancel])
	o.num("unitNonDiscountsubtotal", v.subtotal)
	o.str("unitDiscountsubtotal", "0")
	o.str("unitStaffDiscountsubtotal", "0")
	o.str("unitBargainDiscountsubtotal", "0")
	o.num("subtotal", v.subtotal)
	o.num("subtotalForDiscount", v.subtotal)
	o.str("subtotalDiscountPrice", "0")
	o.str("subtotalDiscountRate", "0.00")
	o.null("subtotalDiscountDivision")
	o.str("pointDiscount", "0")
	o.str("couponDiscount", "0")
	o.num("total", v.total)
	o.num("taxInclude", v.tax)
	o.str("taxExclude", "0")
	o.str("roundingDivision", "00")
	o.str("roundingPrice", "0")
	o.num("cashTotal", v.cashTotal)
	o.num("creditTotal", v.creditTotal)
	o.num("deposit", v.deposit)
	o.num("depositCash", v.depositCash)
	o.num("depositCredit", v.depositCredit)
	o.num("change", v.changeDue)
	o.str("tipCash", "0")
	o.str("tipCredit", "0")
	o.num("amount", v.qty)
	o.str("returnAmount", "0")
	o.str("costTotal", fmt.Sprintf("%d.00000", v.cost))
	o.str("salesHeadDivision", "0")
	o.num("inTaxSalesTotal", v.subtotal)
	o.str("outTaxSalesTotal", "0")
	o.str("nonTaxSalesTotal", "0")
	v.nonSalesTarget(o)
	o.str("newPoint", "0")
	o.str("spendPoint", "0")
	o.str("point", "0")
	o.str("totalPoint", "0")
	o.null("currentMile")
	o.str("earnMile", "0")
	o.null("totalMile")
	o.str("adjustmentMile", "0")
	o.null("adjustmentMileDivision")
	o.null("adjustmentMileValue")
	o.num("storeId", v.vals[aStore])
	o.str("storeCode", v.reg.store.Code)
	o.num("terminalId", v.vals[aTerminal])
	o.null("customerId")
	o.null("customerCode")
	o.num("terminalTranId", v.vals[aTranID])
	o.str("terminalTranDateTime", platformTime(v.ttdt))
	o.str("sumDivision", v.sumDivision())
	o.opt("adjustmentDateTime", platformTime(v.adjAt))
	o.str("sumDate", dateOfNum(v.vals[aSumDate]).Format(dateLayout))
	v.customerGroups(o)
	o.num("staffId", v.staffID)
	o.num("staffCode", v.staffID)
	o.opt("staffName", v.staffName)
	o.opt("creditDivision", v.creditOnly("1"))
	o.opt("paymentCount", v.creditOnly("1"))
	o.opt("slipNumber", v.slipNumber)
	o.null("cancelSlipNumber")
	o.opt("authNumber", v.authNumber)
	o.opt("authDate", v.creditOnly(platformTime(v.ttdt)))
	o.opt("cardCompany", v.cardCompany)
	o.null("denomination")
	o.null("memo")
	o.null("receiptMemo")
	o.null("carriage")
	o.null("commission")
	o.num("guestNumbers", int64(v.sale.Guests))
	o.str("guestNumbersMale", "0")
	o.str("guestNumbersFemale", "0")
	o.num("guestNumbersUnknown", int64(v.sale.Guests))
	o.str("enterDateTime", platformTime(v.sale.OpenedAt))
	v.taxFree(o)
	o.null("tags")
	v.pointSettings(o)
	o.null("customerPinCode")
	o.str("returnSales", "0")
	o.num("disposeDivision", v.vals[aDispose])
	o.num("disposeServerTransactionHeadId", v.linkID)
	o.opt("cancelDateTime", platformTime(v.cancelAt()))
	o.str("sellDivision", "1")
	o.str("taxRate", "10.000")
	o.str("taxRounding", "1")
	o.str("discountRoundingDivision", "1")
	o.str("transactionUuid", v.uuid())
	o.null("exchangeTicketNo")
	o.null("giftReceiptValidDays")
	o.null("barcode")
	o.str("updDateTime", platformTime(v.upd))
}

func (v *view) nonSalesTarget(o *object) {
	for _, k := range []string{"nonSalesTargetTotal", "nonSalesTargetOutTaxTotal", "nonSalesTargetInTaxTotal", "nonSalesTargetTaxFreeTotal"} {
		o.str(k, "0")
	}
	o.str("nonSalesTargetCostTotal", "0.00000")
	o.str("nonSalesTargetAmount", "0")
	o.str("nonSalesTargetReturnAmount", "0")
}

func (v *view) customerGroups(o *object) {
	o.null("customerRank")
	for _, k := range []string{"customerGroupId", "customerGroupId2", "customerGroupId3", "customerGroupId4", "customerGroupId5"} {
		o.null(k)
	}
}

func (v *view) taxFree(o *object) {
	o.str("taxFreeSalesDivision", "0")
	for _, k := range []string{"netTaxFreeGeneralTaxInclude", "netTaxFreeGeneralTaxExclude", "netTaxFreeConsumableTaxInclude", "netTaxFreeConsumableTaxExclude"} {
		o.str(k, "0")
	}
}

func (v *view) pointSettings(o *object) {
	o.str("pointGivingDivision", "1")
	o.str("pointGivingUnitPrice", "1")
	o.str("pointGivingUnit", "0.00")
	o.str("pointSpendDivision", "1")
	o.str("mileageDivision", "0")
	o.str("mileageLabel", "マイル")
}

// depositOthers writes the その他支払 list (with_deposit_others=all): a QR
// code payment is one entry; cash and card payments have none.
func (v *view) depositOthers(o *object) {
	n := 0
	if v.other != 0 {
		n = 1
	}
	o.list("depositOthers", n, func(_ int, b *[]byte) {
		e := beginObject(b, nil)
		e.num("transactionHeadId", v.vals[aID])
		e.str("no", "1")
		e.str("paymentMethodId", "1")
		e.str("paymentMethodName", qrPaymentName)
		e.num("depositOthers", v.other)
		e.num("paymentUnitPrice", v.other)
		e.str("paymentChangeFlag", "0")
		e.str("paymentDivision", "0")
		e.str("paymentSecuritiesFlag", "0")
		e.end()
	})
}

// layaways writes the 取置き blocks when asked for. The simulated shops
// take no layaways.
// ASSUMPTION: a sale without one shows the asked-for block as null.
func (v *view) layaways(o *object, layaway, pickUp bool) {
	if layaway {
		o.null("layaway")
	}
	if pickUp {
		o.null("layawayPickUp")
	}
}

// optionalBlocks writes the single transaction's other with_* blocks. The
// simulated shops have no coupons and no members.
// ASSUMPTION: flag names beyond with_coupons and with_customer are inferred
// from the block names (with_customer_groups, with_staff); an empty block
// is [] for lists and null for an object.
func (v *view) optionalBlocks(o *object, flags map[string]string) {
	empty := func(int, *[]byte) {}
	if flags["with_coupons"] == "all" {
		o.list("coupons", 0, empty)
		o.list("couponItems", 0, empty)
	}
	if flags["with_customer"] == "all" {
		o.null("customer")
	}
	if flags["with_customer_groups"] == "all" {
		o.list("customerGroups", 0, empty)
	}
	if flags["with_staff"] == "all" {
		o.sub("staff", func(b *[]byte) {
			s := beginObject(b, nil)
			s.num("staffId", v.staffID)
			s.num("staffCode", v.staffID)
			s.opt("staffName", v.staffName)
			s.str("rank", "1")
			s.end()
		})
	}
}
