package smaregi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes of the legacy API (pos-apis §2.9).
const (
	legInvalidRequest  = 11
	legInvalidToken    = 13
	legInvalidContract = 14
	legInvalidProc     = 15
	legDisabled        = 23
	legBadTable        = 31
	legInvalidInput    = 41
)

var legacyErrors = map[int]string{
	legInvalidRequest:  "リクエストが不正です。",
	legInvalidToken:    "アクセストークンが無効です。",
	legInvalidContract: "契約IDが無効です。",
	legInvalidProc:     "プロセス名が無効です。",
	legDisabled:        "機能が無効です。",
	legBadTable:        "テーブル名が不正です。",
	legInvalidInput:    "入力値が不正です。",
}

// writeLegacyError answers {"error_code", "error", "error_description"}.
// error_code is a JSON number, as in the captured error_14 sample; HTTP
// 400 as the sample's test served it.
func writeLegacyError(w http.ResponseWriter, status, code int, description string) {
	msg := legacyErrors[code]
	if msg == "" {
		msg = http.StatusText(status)
	}
	b := make([]byte, 0, 256)
	o := beginObject(&b, nil)
	o.int("error_code", int64(code))
	o.str("error", msg)
	o.str("error_description", description)
	o.end()
	writeJSON(w, status, b)
}

// legacyResponder answers injected faults on the legacy API.
// ASSUMPTION: the legacy API's outage answer is unknown; the simulator
// sends the fault's status with a legacy error body of code 0.
type legacyResponder struct{}

func (legacyResponder) Fault(w http.ResponseWriter, _ *http.Request, status int, _ time.Duration) {
	writeLegacyError(w, status, 0, "サービスが一時的に利用できません。")
}

// legacyProcs are the commands the legacy API knows (pos-apis §2.9).
var legacyProcs = map[string]bool{
	"category_ref": true, "product_ref": true, "customer_ref": true, "stock_ref": true,
	"transaction_ref": true, "store_ref": true, "daily_sum_ref": true, "bargain_ref": true,
	"category_upd": true, "product_upd": true, "customer_upd": true, "stock_upd": true,
	"transaction_upd": true, "bargain_upd": true,
}

// legacyFailure is an error answer of the legacy API.
type legacyFailure struct {
	code int
	desc string
}

func (f *legacyFailure) Error() string { return f.desc }

func legacyFail(code int, format string, args ...any) *legacyFailure {
	return &legacyFailure{code: code, desc: fmt.Sprintf(format, args...)}
}

// serveLegacy is the legacy スマレジAPI: POST /access/ with the contract ID
// and access token in headers, proc_name and params (JSON) in the form.
func (s *Server) serveLegacy(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	if !now.Before(s.cutover) {
		// ASSUMPTION: (#18) after the cut-over every call is answered 410 with
		// error_code 23 (機能が無効).
		writeLegacyError(w, http.StatusGone, legDisabled, fmt.Sprintf(
			"スマレジAPIは%sに提供を終了しました。スマレジ・プラットフォームAPIをご利用ください。", s.cutover.In(jst).Format("2006年1月2日")))
		return
	}
	if r.Method != http.MethodPost {
		writeLegacyError(w, http.StatusBadRequest, legInvalidRequest, "POSTで送信してください。")
		return
	}
	// The Java client sends X_contract_id / X_access_token, the Go client
	// X-contract-id / X-access-token: both are read.
	contractID := firstHeader(r, "X_contract_id", "X-Contract-Id")
	token := firstHeader(r, "X_access_token", "X-Access-Token")
	if contractID == "" {
		writeLegacyError(w, http.StatusBadRequest, legInvalidContract, "パラメータ不正です。(contractId is empty)")
		return
	}
	a, ok := s.lookup(contractID)
	if !ok {
		writeLegacyError(w, http.StatusBadRequest, legInvalidContract, "パラメータ不正です。(contractId is invalid)")
		return
	}
	if token == "" || a.LegacyAccessToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(a.LegacyAccessToken)) != 1 {
		writeLegacyError(w, http.StatusBadRequest, legInvalidToken, "パラメータ不正です。(accessToken is invalid)")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeLegacyError(w, http.StatusBadRequest, legInvalidRequest, "リクエスト本文を読めません。")
		return
	}
	proc := r.PostForm.Get("proc_name")
	if !legacyProcs[proc] {
		writeLegacyError(w, http.StatusBadRequest, legInvalidProc, fmt.Sprintf("パラメータ不正です。(proc_name %q)", proc))
		return
	}
	p, err := parseRefParams(r.PostForm.Get("params"))
	var body []byte
	if err == nil {
		switch proc {
		case "transaction_ref":
			body, err = s.transactionRef(a, now, p)
		case "store_ref":
			body, err = storeRef(a, p)
		default:
			if strings.HasSuffix(proc, "_upd") {
				err = legacyFail(legInvalidInput, "シミュレーターは更新を受け付けません。(%s)", proc)
			} else {
				body = []byte(`{"total_count":"0","result":[]}`) // nothing of that kind is simulated
			}
		}
	}
	var f *legacyFailure
	switch {
	case errors.As(err, &f):
		writeLegacyError(w, http.StatusBadRequest, f.code, f.desc)
	case err != nil:
		s.log.Error("smaregi sim: legacy call", "proc_name", proc, "err", err)
		writeLegacyError(w, http.StatusInternalServerError, legInvalidRequest, "処理できませんでした。")
	default:
		writeJSON(w, http.StatusOK, body)
	}
}

func firstHeader(r *http.Request, names ...string) string {
	for _, n := range names {
		if v := r.Header.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// refParams is the params JSON of a *_ref command.
type refParams struct {
	TableName  string                       `json:"table_name"`
	Fields     []string                     `json:"fields"`
	Conditions []map[string]json.RawMessage `json:"conditions"`
	Order      []string                     `json:"order"`
	Limit      flexInt                      `json:"limit"`
	Page       flexInt                      `json:"page"`
}

// flexInt reads a number written as a JSON number or string.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = flexInt(v)
	return nil
}

func parseRefParams(s string) (refParams, error) {
	var p refParams
	if strings.TrimSpace(s) == "" {
		return p, legacyFail(legInvalidInput, "パラメータ不正です。(params is empty)")
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return p, legacyFail(legInvalidInput, "パラメータ不正です。(params: %v)", err)
	}
	if p.Limit == 0 {
		p.Limit = 100
	}
	if p.Page == 0 {
		p.Page = 1
	}
	if p.Limit < 1 || p.Limit > 1000 || p.Page < 1 || p.Page > 1_000_000 {
		return p, legacyFail(legInvalidInput, "パラメータ不正です。(limit は1〜1000、page は1以上)")
	}
	return p, nil
}
