package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/auditview"
	"github.com/poslink/poslink/internal/csvx"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
)

// auditCSV exports the entries the page's filter selects, newest first, at
// most audit.MaxExport, as CSV in UTF-8 with a BOM, its header in the
// reader's language and times in RFC 3339 with their zone. It is written
// as it is read, a batch at a time. A refused filter is the page's 400.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, rd auditReader, titleKey string) {
	q, err := s.auditQuery(r, rd)
	if err != nil {
		s.respond(w, r, err)
		return
	}
	if len(q.errs) > 0 {
		s.renderAudit(w, r, http.StatusBadRequest, rd, s.page(r, titleKey), s.auditLog(r, rd, q))
		return
	}
	ctx := r.Context()
	lang := langOf(ctx)
	f := q.filter
	f.BeforeID, f.Limit = 0, audit.MaxExport
	var out *auditCSVWriter
	if q.none {
		s.startAuditCSV(w, rd, lang).flushQuietly()
		return
	}
	_, err = audit.Export(ctx, s.deps.Pool, f, func(batch []audit.Entry) error {
		names, err := auditview.Resolve(ctx, s.deps.Pool, rd.tenantID, batch)
		if err != nil {
			return err
		}
		if out == nil {
			// Headers go once the first batch is read: a log that cannot
			// be read is still answered with its error page.
			out = s.startAuditCSV(w, rd, lang)
		}
		for _, l := range auditview.Lines(lang, rd.aud, batch, names) {
			out.line(l)
		}
		return out.flush()
	})
	switch {
	case err != nil && out == nil:
		s.respond(w, r, err)
	case err != nil:
		// The status is sent: only an unfinished response tells the client
		// that the file is incomplete, rather than a shorter one that looks
		// whole. net/http's way to end one is this panic.
		httpx.Logger(ctx).Warn("audit export stopped", "err", err)
		panic(http.ErrAbortHandler)
	case out == nil:
		s.startAuditCSV(w, rd, lang).flushQuietly()
	}
}

// auditCSVWriter writes the export's lines.
type auditCSVWriter struct {
	staff bool
	lang  i18n.Lang
	loc   *time.Location
	csv   *csvx.Writer
}

// startAuditCSV sends the headers, the BOM and the header row.
func (s *Server) startAuditCSV(w http.ResponseWriter, rd auditReader, lang i18n.Lang) *auditCSVWriter {
	name := "poslink-history-"
	if rd.staff() {
		name = "poslink-audit-"
	}
	name += s.deps.Now().In(s.cfg.Location).Format("20060102") + ".csv"
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	out := &auditCSVWriter{staff: rd.staff(), lang: lang, loc: s.cfg.Location, csv: csvx.NewWriter(w)}
	var header []string
	for _, key := range out.columns() {
		header = append(header, i18n.T(lang, key))
	}
	out.write(header)
	return out
}

// columns are the export's columns: the page's, with the action's name
// and code, and for staff the IDs to look entries up by.
func (c *auditCSVWriter) columns() []string {
	if c.staff {
		return []string{"audit.col.id", "audit.col.at", "audit.col.actor", "audit.col.address", "audit.col.tenant_id",
			"audit.col.tenant", "audit.col.action", "audit.col.action_code", "audit.col.text", "audit.col.reason"}
	}
	return []string{"audit.col.at", "audit.col.actor", "audit.col.action", "audit.col.text", "audit.col.reason"}
}

func (c *auditCSVWriter) line(l auditview.Line) {
	at := l.At.In(c.loc).Format(time.RFC3339)
	action := auditview.ActionName(c.lang, l.Action)
	if !c.staff {
		c.write([]string{at, l.Actor, action, l.Text, l.Reason})
		return
	}
	tenantID := ""
	if l.TenantID != 0 {
		tenantID = strconv.FormatInt(l.TenantID, 10)
	}
	c.write([]string{strconv.FormatInt(l.ID, 10), at, l.Actor, l.Address, tenantID, l.Tenant, action, l.Action, l.Text, l.Reason})
}

// write writes a record (csvx makes its cells safe for spreadsheets); an
// error of the connection shows at flush.
func (c *auditCSVWriter) write(record []string) { c.csv.Write(record) }

func (c *auditCSVWriter) flush() error {
	if err := c.csv.Flush(); err != nil {
		return fmt.Errorf("write audit export: %w", err)
	}
	return nil
}

// flushQuietly ends an export whose client may have gone: nothing is left
// to tell it.
func (c *auditCSVWriter) flushQuietly() { _ = c.flush() }
