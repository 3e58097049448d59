// Package csvx writes CSV files that spreadsheet programs open as they
// should: UTF-8 with a BOM (Excel in Japan takes a CSV without it as
// Shift_JIS), CRLF line ends, and no cell read as a formula.
package csvx

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// bom starts the file.
const bom = "\uFEFF"

// Writer writes records; an error of the connection shows at Flush.
type Writer struct {
	buf *bufio.Writer
	csv *csv.Writer
}

// NewWriter starts a file on w with the BOM.
func NewWriter(w io.Writer) *Writer {
	buf := bufio.NewWriter(w)
	out := &Writer{buf: buf, csv: csv.NewWriter(buf)}
	out.csv.UseCRLF = true
	_, _ = io.WriteString(buf, bom)
	return out
}

// Write writes a record with every cell made safe for spreadsheets.
func (w *Writer) Write(record []string) { w.WriteNumbers(record) }

// WriteNumbers writes a record whose cells at the numbers' indexes are
// integers the program made (amounts, which may be negative): those stay
// numbers when they are plain integers; every other cell is made safe.
func (w *Writer) WriteNumbers(record []string, numbers ...int) {
	for i, v := range record {
		if !slices.Contains(numbers, i) || !isInteger(v) {
			record[i] = SpreadsheetSafe(v)
		}
	}
	_ = w.csv.Write(record)
}

// Flush sends what is buffered.
func (w *Writer) Flush() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// SpreadsheetSafe keeps a cell from being read as a formula by a
// spreadsheet program: text starting with = + - @, a tab or a carriage
// return is prefixed with an apostrophe, which shows the text as it is.
func SpreadsheetSafe(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	return "'" + v
}

func isInteger(v string) bool {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
