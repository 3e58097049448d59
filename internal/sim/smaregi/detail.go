package smaregi

import (
	"fmt"

	"github.com/poslink/poslink/internal/sim/shop"
)

// categoryNames name a shop kind's product category.
var categoryNames = map[string]string{"cafe": "カフェメニュー", "ramen": "麺・一品", "retail": "雑貨"}

// line is one transaction detail (取引明細) with its values worked out.
type line struct {
	id                   int
	productID, category  int64
	code, name, catName  string
	price, qty, sum, tax int64
	cost                 int64
}

// linesOf numbers the record's lines. A menu item's product ID is its
// place in its shop kind's menu, so every register of a kind sells the
// same products.
func linesOf(v *view) []line {
	prof := v.reg.shop.Profile()
	kind := 0
	for i := range shop.Profiles {
		if &shop.Profiles[i] == prof {
			kind = i
		}
	}
	out := make([]line, 0, len(v.lines))
	for i, l := range v.lines {
		item := 0
		for j, m := range prof.Menu {
			if m.Name == l.Name {
				item = j
			}
		}
		pid := int64(kind*100 + item + 1)
		sum := l.Price * int64(l.Qty)
		cat := categoryNames[prof.Name]
		if cat == "" {
			cat = prof.Name
		}
		out = append(out, line{
			id: i + 1, productID: pid, category: int64(kind + 1), catName: cat,
			code: fmt.Sprintf("2990000%06d", pid), name: l.Name,
			price: l.Price, qty: int64(l.Qty), sum: sum, tax: sum * 10 / 110, cost: sum * 35 / 100,
		})
	}
	return out
}

// detailDivision is 1 通常, or 2 返品 on a 打消 record: the legacy sample's
// disposal pair shows the negating record's line as division 2 with a
// positive quantity.
func (v *view) detailDivision() string {
	if v.negates {
		return "2"
	}
	return "1"
}

// summaryKeys are the columns of with_details=summary.
// ASSUMPTION: the summary holds the identifying, product and amount columns;
// the sources name the value but not its columns.
var summaryKeys = map[string]bool{
	"transactionHeadId": true, "transactionDetailId": true, "parentTransactionDetailId": true,
	"transactionDetailDivision": true, "productId": true, "productCode": true, "productName": true,
	"taxDivision": true, "price": true, "salesPrice": true, "quantity": true, "unitDiscountedSum": true,
	"terminalTranDateTime": true,
}

// details writes the record's lines as the Platform API's details array,
// in the order of the public OpenAPI description (transactionDetail).
func (v *view) details(o *object, summary bool) {
	ls := linesOf(v)
	keep := map[string]bool(nil)
	if summary {
		keep = summaryKeys
	}
	o.list("details", len(ls), func(i int, b *[]byte) {
		l := ls[i]
		d := beginObject(b, keep)
		d.num("transactionHeadId", v.vals[aID])
		d.num("transactionDetailId", int64(l.id))
		d.null("parentTransactionDetailId")
		d.str("transactionDetailDivision", v.detailDivision())
		d.num("productId", l.productID)
		d.str("productCode", l.code)
		d.str("productName", l.name)
		d.str("printReceiptProductName", l.name)
		d.null("color")
		d.null("size")
		d.null("groupCode")
		d.str("taxDivision", "0") // 税込: the menus' prices include tax
		d.num("price", l.price)
		d.num("salesPrice", l.price)
		d.str("unitDiscountPrice", "0")
		d.null("unitDiscountRate")
		d.null("unitDiscountDivision")
		d.null("cost")
		d.num("quantity", l.qty)
		d.num("unitNonDiscountSum", l.sum)
		d.str("unitDiscountSum", "0")
		d.num("unitDiscountedSum", l.sum)
		d.str("costSum", fmt.Sprintf("%d.00000", l.cost))
		d.num("categoryId", l.category)
		d.str("categoryName", l.catName)
		d.null("discriminationNo")
		d.str("salesDivision", "0")
		d.str("productDivision", "0")
		d.str("inventoryReservationDivision", "0")
		d.str("pointNotApplicable", "0")
		d.str("calcDiscount", "1")
		lineTaxFree(&d)
		lineProportions(&d, l)
		lineStaffAndBargain(&d)
		d.str("taxRate", "10.000")
		d.str("standardTaxRate", "10.000")
		d.null("modifiedTaxRate")
		d.null("reduceTaxId")
		d.null("reduceTaxName")
		d.null("reduceTaxRate")
		d.null("reduceTaxPrice")
		d.null("reduceTaxMemberPrice")
		d.str("terminalTranDateTime", platformTime(v.ttdt))
		d.end()
	})
}

func lineTaxFree(d *object) {
	d.str("taxFreeDivision", "0")
	d.str("taxFreeCommodityPrice", "0")
	d.str("taxFree", "0")
	d.null("productBundleGroupId")
}

func lineProportions(d *object, l line) {
	d.str("discountPriceProportional", "0")
	d.str("discountPointProportional", "0")
	d.str("discountCouponProportional", "0")
	d.num("taxIncludeProportional", l.tax)
	d.str("taxExcludeProportional", "0")
	d.str("productBundleProportional", "0")
	d.str("staffDiscountProportional", "0")
	d.str("bargainDiscountProportional", "0")
	d.str("roundingPriceProportional", "0")
}

func lineStaffAndBargain(d *object) {
	for _, k := range []string{"productStaffDiscountRate", "staffRank", "staffRankName", "staffDiscountRate",
		"staffDiscountDivision", "applyStaffDiscountRate", "applyStaffDiscountPrice", "bargainId", "bargainName",
		"bargainDivision", "bargainValue", "applyBargainValue", "applyBargainDiscountPrice"} {
		d.null(k)
	}
}

// legacyLine writes one line as a TransactionDetail row of the legacy API,
// in the order of the captured sample.
func (v *view) legacyLine(d *object, l line) {
	d.num("transactionHeadId", v.vals[aID])
	d.str("transactionDateTime", legacyTime(v.tdt))
	d.num("transactionDetailId", int64(l.id))
	d.null("parentTransactionDetailId")
	d.str("transactionDetailDivision", v.detailDivision())
	d.num("productId", l.productID)
	d.str("productCode", l.code)
	d.str("productName", l.name)
	d.str("taxDivision", "0")
	d.num("price", l.price)
	d.num("salesPrice", l.price)
	d.str("unitDiscountPrice", "0")
	d.null("unitDiscountRate")
	d.null("unitDiscountDivision")
	d.null("cost")
	d.num("quantity", l.qty)
	d.num("unitNonDiscountSum", l.sum)
	d.str("unitDiscountSum", "0")
	d.num("unitDiscountedSum", l.sum)
	d.str("costSum", fmt.Sprintf("%d.00000", l.cost))
	d.num("categoryId", l.category)
	d.str("categoryName", l.catName)
	d.null("discriminationNo")
	d.str("salesDivision", "0")
	d.str("productDivision", "0")
	d.str("pointNotApplicable", "0")
	d.str("calcDiscount", "1")
	d.str("taxFreeDivision", "0")
	d.str("taxFreeCommodityPrice", "0")
	d.str("taxFree", "0")
	d.null("productBundleGroupId")
	lineProportions(d, l)
	d.str("inventoryReservationDivision", "0")
	d.null("groupCode")
	d.str("updDateTime", legacyTime(v.upd))
	lineStaffAndBargain(d)
	d.str("taxRate", "10.000")
	d.str("standardTaxRate", "10.000")
	d.null("modifiedTaxRate")
	d.null("reduceTaxId")
	d.null("reduceTaxName")
	d.null("reduceTaxRate")
	d.null("color")
	d.null("size")
}
