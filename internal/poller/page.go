package poller

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/textcheck"
)

// Bounds of what a provider's record may hold before the poller refuses
// the page as malformed: the database's columns, and values no register
// makes (a sale before 2000 or days ahead of now, a trillion yen).
const (
	maxIDLen     = 128
	maxKeyLen    = 100
	maxRaw       = 256 << 10
	maxYen       = 1_000_000_000_000
	maxAhead     = 48 * time.Hour
	maxUTCOffset = 18 * 3600
)

var earliestSale = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// columns is a page's transactions as column arrays, for the database.
type columns struct {
	ids, keys, kinds, receipts, staff, methods, raw []string
	soldAt, updatedAt                               []time.Time
	offsets                                         []int32
	totals, deposits, changes                       []int64
	// Where each belongs (place): the stored row it is (nil: new), its
	// camera (nil: none) and register name.
	storedIDs, cameras []*int64
	names              []string
}

func (c *columns) len() int { return len(c.ids) }

// place reads the connection's binding periods and which of the page's
// transactions are stored, and notes each one's stored row (nil: new),
// camera (nil: none) and register name.
func (c *columns) place(br pgx.BatchResults) error {
	ps, err := readPeriods(br)
	if err != nil {
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("look up stored transactions: %w", err)
	}
	stored := map[string]int64{}
	var id string
	var row int64
	_, err = pgx.ForEachRow(rows, []any{&id, &row}, func() error { stored[id] = row; return nil })
	if err != nil {
		return fmt.Errorf("look up stored transactions: %w", err)
	}
	c.storedIDs, c.cameras, c.names = make([]*int64, c.len()), make([]*int64, c.len()), make([]string, c.len())
	for i := range c.ids {
		if row, ok := stored[c.ids[i]]; ok {
			c.storedIDs[i] = &row
		}
		c.cameras[i], c.names[i] = ps.at(c.keys[i], c.soldAt[i])
	}
	return nil
}

// stored counts the page's transactions that are stored already.
func (c *columns) stored() int {
	n := 0
	for _, id := range c.storedIDs {
		if id != nil {
			n++
		}
	}
	return n
}

// storedPart is the page's transactions that are stored already, with
// their row IDs, for reviseSQL.
type storedPart struct {
	columns
	rowIDs []int64
}

func (c *columns) storedPart() storedPart {
	var u storedPart
	for i, id := range c.storedIDs {
		if id == nil {
			continue
		}
		u.rowIDs = append(u.rowIDs, *id)
		u.ids, u.keys, u.kinds = append(u.ids, c.ids[i]), append(u.keys, c.keys[i]), append(u.kinds, c.kinds[i])
		u.receipts, u.staff, u.methods = append(u.receipts, c.receipts[i]), append(u.staff, c.staff[i]), append(u.methods, c.methods[i])
		u.raw, u.soldAt, u.updatedAt = append(u.raw, c.raw[i]), append(u.soldAt, c.soldAt[i]), append(u.updatedAt, c.updatedAt[i])
		u.offsets, u.totals = append(u.offsets, c.offsets[i]), append(u.totals, c.totals[i])
		u.deposits, u.changes = append(u.deposits, c.deposits[i]), append(u.changes, c.changes[i])
		u.cameras, u.names = append(u.cameras, c.cameras[i]), append(u.names, c.names[i])
	}
	return u
}

// prepare checks a page's transactions and lays them out for the database.
// One bad record fails the page, so that nothing of it is stored; the
// error says which record and why. A record delivered twice in a page
// (the provider's overlap of a re-check) counts once, in its last version.
func prepare(p link.Provider, txs []pos.Transaction, now time.Time) (columns, error) {
	var c columns
	at := make(map[string]int, len(txs))
	for _, t := range txs {
		if err := check(t, now); err != nil {
			return columns{}, malformed(p, fmt.Sprintf("transaction %q: %s", textcheck.Clip(t.ID, 40), err))
		}
		_, off := t.SoldAt.Zone()
		updated := t.UpdatedAt
		if updated.IsZero() {
			updated = t.SoldAt
		}
		if i, ok := at[t.ID]; ok {
			c.set(i, t, off, updated)
			continue
		}
		at[t.ID] = c.len()
		c.ids = append(c.ids, t.ID)
		c.keys, c.kinds, c.receipts = append(c.keys, ""), append(c.kinds, ""), append(c.receipts, "")
		c.staff, c.methods, c.raw = append(c.staff, ""), append(c.methods, ""), append(c.raw, "")
		c.soldAt, c.updatedAt, c.offsets = append(c.soldAt, time.Time{}), append(c.updatedAt, time.Time{}), append(c.offsets, 0)
		c.totals, c.deposits, c.changes = append(c.totals, 0), append(c.deposits, 0), append(c.changes, 0)
		c.set(c.len()-1, t, off, updated)
	}
	return c, nil
}

func (c *columns) set(i int, t pos.Transaction, off int, updated time.Time) {
	c.keys[i], c.kinds[i] = t.TerminalKey, string(t.Kind)
	c.receipts[i], c.staff[i], c.methods[i] = textcheck.Clip(t.ReceiptNo, 64), textcheck.Clip(t.Staff, 100), textcheck.Clip(t.PaymentMethod, 100)
	c.raw[i] = string(t.Raw)
	c.soldAt[i], c.updatedAt[i], c.offsets[i] = t.SoldAt, updated, int32(off)
	c.totals[i], c.deposits[i], c.changes[i] = t.Total, t.Deposit, t.Change
}

// check says what is wrong with a record, nil when nothing.
func check(t pos.Transaction, now time.Time) error {
	switch {
	case t.ID == "" || len(t.ID) > maxIDLen || !cleanText(t.ID):
		return fmt.Errorf("the ID must be 1 to %d bytes of text", maxIDLen)
	case t.TerminalKey == "" || utf8.RuneCountInString(t.TerminalKey) > maxKeyLen || !cleanText(t.TerminalKey):
		return fmt.Errorf("the register key must be 1 to %d characters of text", maxKeyLen)
	case t.Kind != pos.Payment && t.Kind != pos.Cancel && t.Kind != pos.Modify && t.Kind != pos.Delete:
		return fmt.Errorf("unknown kind %q", textcheck.Clip(string(t.Kind), 20))
	case t.SoldAt.Before(earliestSale) || t.SoldAt.After(now.Add(maxAhead)):
		return fmt.Errorf("sale time %s is not a time a register sells at", t.SoldAt.Format(time.RFC3339))
	case !t.UpdatedAt.IsZero() && (t.UpdatedAt.Before(earliestSale) || t.UpdatedAt.After(now.Add(maxAhead))):
		return fmt.Errorf("update time %s is out of range", t.UpdatedAt.Format(time.RFC3339))
	case absurd(t.Total) || absurd(t.Deposit) || absurd(t.Change):
		return fmt.Errorf("amounts %d/%d/%d yen are out of range", t.Total, t.Deposit, t.Change)
	case !cleanText(t.ReceiptNo) || !cleanText(t.Staff) || !cleanText(t.PaymentMethod):
		return fmt.Errorf("receipt number, staff or payment method is not text")
	case len(t.Raw) > maxRaw:
		return fmt.Errorf("the record is %d bytes, more than %d", len(t.Raw), maxRaw)
	case !json.Valid(t.Raw) || bytes.Contains(t.Raw, []byte(`\u0000`)):
		return fmt.Errorf("the record is not JSON the database can keep")
	}
	if _, off := t.SoldAt.Zone(); off < -maxUTCOffset || off > maxUTCOffset {
		return fmt.Errorf("the sale time's zone is %d s from UTC", off)
	}
	return nil
}

func absurd(yen int64) bool { return yen > maxYen || yen < -maxYen }

// cleanText is valid UTF-8 without NUL, which PostgreSQL's text refuses.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// malformed is the poller's own finding that a provider's answer cannot be
// stored, in the class the provider's client gives such answers.
func malformed(p link.Provider, detail string) *pos.Error {
	return &pos.Error{Provider: string(p), Op: "transactions", Class: pos.Malformed, Detail: pos.Shorten(detail)}
}
