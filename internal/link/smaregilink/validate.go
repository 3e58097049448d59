package smaregilink

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/textcheck"
)

// Input is what the owner enters on 新規設定追加 and 連携情報修正.
type Input struct {
	ContractID   string
	ClientID     string
	ClientSecret string
	Memo         string
}

// The form's field names, which error messages are attached to.
const (
	FieldContractID   = "contract_id"
	FieldClientID     = "client_id"
	FieldClientSecret = "client_secret"
	FieldMemo         = "memo"
	FieldStoreID      = "store_id"
	FieldTerminalID   = "terminal_id"
	FieldCameraID     = "camera_id"
)

// Limits of the inputs.
const (
	MaxMemoLen   = 200 // runes, as the schema allows
	MaxSecretLen = 256 // bytes
	MaxNameLen   = 200 // runes: a terminal's or store's name, as the schema allows
)

// contractIDPattern is a 契約ID: the shapes seen are "sk…" in production
// and "sb_sk…" in the sandbox; letters, digits and "_" bound the path
// segment it becomes. (The simulator accepts the same.)
var contractIDPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// clientIDPattern is a クライアントID. ASSUMPTION: the real ones are 32
// hex digits (so are the simulator's); letters, digits, "-" and "_" of
// 8–128 characters leave room without letting anything odd through.
var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)

// normalize trims what people paste around IDs and secrets.
func (in Input) normalize() Input {
	in.ContractID = strings.TrimSpace(in.ContractID)
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.Memo = strings.TrimSpace(in.Memo)
	return in
}

// validate checks the input's form, before anything is sent to Smaregi.
func (in Input) validate() error {
	var v apperr.Validation
	checkContractID(&v, in.ContractID)
	switch {
	case in.ClientID == "":
		v.Add(FieldClientID, "err.required")
	case !clientIDPattern.MatchString(in.ClientID):
		v.Add(FieldClientID, "smaregi.err.client_id_invalid")
	}
	checkSecret(&v, FieldClientSecret, in.ClientSecret)
	checkMemo(&v, in.Memo)
	return v.Err()
}

func checkContractID(v *apperr.Validation, s string) {
	switch {
	case s == "":
		v.Add(FieldContractID, "err.required")
	case !contractIDPattern.MatchString(s):
		v.Add(FieldContractID, "smaregi.err.contract_id_invalid")
	}
}

// checkSecret accepts printable ASCII without spaces: client secrets and
// access tokens are such strings, and anything else is a paste gone wrong.
func checkSecret(v *apperr.Validation, field, s string) {
	switch {
	case s == "":
		v.Add(field, "err.required")
	case len(s) > MaxSecretLen:
		v.Add(field, "smaregi.err.secret_too_long")
	default:
		for i := 0; i < len(s); i++ {
			if s[i] < 0x21 || s[i] > 0x7e {
				v.Add(field, "smaregi.err.secret_invalid")
				return
			}
		}
	}
}

// checkMemo checks the メモ, one line: no control characters, and no
// invisible direction controls, which would make it read differently from
// what it is on the owner's and support's pages.
func checkMemo(v *apperr.Validation, s string) {
	switch p := textcheck.Line(s, MaxMemoLen); p {
	case textcheck.OK:
	case textcheck.TooLong:
		v.Add(FieldMemo, "smaregi.err.memo_too_long")
	default:
		v.Add(FieldMemo, p.Key())
	}
}

// checkName checks a terminal's or store's name that the operator brings
// over from the old system: one line of at most MaxNameLen characters, no
// control or direction characters.
func checkName(v *apperr.Validation, field, s string) {
	if p := textcheck.Line(s, MaxNameLen); p != textcheck.OK {
		v.Add(field, p.Key())
	}
}

// parseID reads a store or terminal ID as typed ("007" is terminal 7): a
// whole number of 1–999,999,999, the range of Smaregi's terminal IDs.
func parseID(s string) (string, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || n < 1 || n > 999_999_999 {
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

// TerminalKey is a Smaregi terminal's key in bindings: terminal IDs are
// unique within their store only (pos-apis §5 #14).
func TerminalKey(storeID, terminalID string) string { return storeID + ":" + terminalID }

// SplitKey reads a terminal key back into store and terminal ID.
func SplitKey(key string) (storeID, terminalID string, ok bool) {
	st, term, found := strings.Cut(key, ":")
	if !found {
		return "", "", false
	}
	st, ok1 := parseID(st)
	term, ok2 := parseID(term)
	return st, term, ok1 && ok2 && key == st+":"+term
}

// CompareKeys orders terminal keys by store, then terminal, as numbers.
func CompareKeys(a, b string) int {
	as, at, _ := strings.Cut(a, ":")
	bs, bt, _ := strings.Cut(b, ":")
	return cmp.Or(cmp.Compare(num(as), num(bs)), cmp.Compare(num(at), num(bt)), strings.Compare(a, b))
}
