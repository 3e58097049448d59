// Package support finds, for support staff, the tenant behind whatever a
// customer reads out on the phone: the tenant's name, an owner's e-mail
// address, the Smaregi 契約ID or Ubiregi account ID, a register's 端末ID or
// name, a camera's device ID. It searches across tenants (staff work
// across them) and only reads; it knows nothing of HTTP.
package support

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/textcheck"
)

// Kind is what a match was found in.
type Kind string

// The kinds of match, in the order results list them when they match as
// well.
const (
	TenantName   Kind = "tenant_name"   // テナント名
	OwnerEmail   Kind = "owner_email"   // オーナーのメールアドレス
	Account      Kind = "account"       // スマレジの契約ID, UbiregiのアカウントID
	Terminal     Kind = "terminal"      // 端末ID (Smaregi "storeId:terminalId", Ubiregi's device ID)
	TerminalName Kind = "terminal_name" // 端末名
	Camera       Kind = "camera"        // カメラのデバイスID
)

// Closeness is how well a match matches, best first.
type Closeness int

// The closenesses of a match.
const (
	// Exact: the whole value is the query (without regard to case or
	// width).
	Exact Closeness = iota
	// TerminalID: the query is the terminal part of a Smaregi terminal key
	// ("3" for "1:3"), which is what a customer reads as 端末ID.
	TerminalID
	// Prefix: the value starts with the query.
	Prefix
	// Contains: the query is somewhere in the value.
	Contains
)

// Match is one thing that matched the query, with the tenant it belongs to.
// It never holds a secret: credentials are not read.
type Match struct {
	Kind      Kind
	Closeness Closeness
	// Value is what matched, as stored.
	Value      string
	TenantID   int64
	TenantName string
	// For an account, a terminal or a terminal's name: the connection, its
	// provider ("ubiregi", "smaregi") and account (契約ID / account ID).
	ConnectionID int64
	Provider     string
	Account      string
	// For a terminal or a terminal's name: the terminal's key and name.
	TerminalKey, TerminalLabel string
	// For a camera: its ID and name.
	CameraID   int64
	CameraName string
}

// Result is what a search found: the best matches first, at most the
// limit asked for; Truncated says more matched.
type Result struct {
	// Query is the query as searched (trimmed, width folded).
	Query     string
	Matches   []Match
	Truncated bool
}

// FieldQuery is the field a refused query is reported on.
const FieldQuery = "q"

// MaxQueryLen bounds a query: nothing it can match is longer (an e-mail
// address is at most 254 characters).
const MaxQueryLen = 254

// A short query matches more than anyone reads out: IDs match in part only
// from idContainsMin letters or digits ("3" finds 端末ID 3, not every ID
// with a 3 in it), names from nameContainsMin characters.
const (
	idContainsMin   = 3
	nameContainsMin = 2
)

// Normalize is the query as it is searched: trimmed, and NFKC-folded, so
// that full-width digits and letters a caller typed (１２３, ＡＢＣ) match
// the half-width ones stored, and half-width kana the full-width.
func Normalize(q string) string {
	return strings.TrimSpace(norm.NFKC.String(q))
}

// Find searches every tenant for query and returns at most limit matches,
// exact ones first. An empty query finds nothing; one that is not one line
// of text of at most MaxQueryLen characters is refused (Invalid, on
// FieldQuery) before any query is made.
func Find(ctx context.Context, q db.Querier, query string, limit int) (Result, error) {
	// Checked as typed and as folded: folding can lengthen a text.
	query = strings.TrimSpace(query)
	p := textcheck.Line(query, MaxQueryLen)
	res := Result{Query: query}
	if p == textcheck.OK {
		res.Query = Normalize(query)
		p = textcheck.Line(res.Query, MaxQueryLen)
	}
	if p != textcheck.OK {
		return Result{}, &apperr.Error{Kind: apperr.Invalid, Key: "err.form_invalid",
			Fields: map[string]string{FieldQuery: p.Key()}}
	}
	if res.Query == "" || limit <= 0 {
		return res, nil
	}
	ids, names, guid := partial(res.Query)
	lower := strings.ToLower(res.Query)
	// Planned for these values every time (an unnamed statement): a plan
	// made for a query that matches a handful would read everything for
	// one that matches thousands, and the other way round.
	rows, err := q.Query(ctx, findSQL, pgx.QueryExecModeExec, res.Query, escapeLike(res.Query), ids, names, limit+1,
		lower, escapeLike(lower), guid)
	if err != nil {
		return Result{}, fmt.Errorf("search tenants: %w", err)
	}
	res.Matches, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Match, error) {
		var m Match
		var k int
		err := r.Scan(&k, &m.Closeness, &m.Value, &m.TenantID, &m.TenantName, &m.ConnectionID, &m.Provider,
			&m.Account, &m.TerminalKey, &m.TerminalLabel, &m.CameraID, &m.CameraName)
		if err == nil && (k < 1 || k > len(kinds)) {
			err = fmt.Errorf("unknown kind %d", k)
		}
		if err == nil {
			m.Kind = kinds[k-1]
		}
		return m, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("search tenants: %w", err)
	}
	if len(res.Matches) > limit {
		res.Matches, res.Truncated = res.Matches[:limit], true
	}
	return res, nil
}

// kinds are the kinds of match as findSQL numbers them (k, from 1).
var kinds = []Kind{TenantName, OwnerEmail, Account, Terminal, TerminalName, Camera}

// partial says whether a query matches IDs, names and Ubiregi device
// GUIDs in part. IDs (e-mail addresses, accounts, terminal keys, device
// IDs) are ASCII: a query with anything else matches them whole only, and
// so does one of fewer than idContainsMin letters and digits ("2:3").
func partial(q string) (ids, names, guid bool) {
	alnum := 0
	for _, r := range q {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			alnum++
		}
	}
	n := utf8.RuneCountInString(q)
	ids = alnum >= idContainsMin && n == len(q)
	return ids, n >= nameContainsMin, ids && strings.Trim(q, "0123456789abcdefABCDEF-") == ""
}

// escapeLike makes s match literally inside a LIKE pattern (whose escape
// character is the backslash): a query of % or _ matches only itself.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
