package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/csvx"
	"github.com/poslink/poslink/internal/dashboard"
	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/web/views"
)

// dashCSVColumns are the export's columns: the list's, the payment method,
// the register's key and the version's number.
var dashCSVColumns = []string{"dash.col.time", "dash.col.kind", "dash.col.total", "dash.col.deposit", "dash.col.change",
	"dash.col.receipt", "dash.col.register", "dash.col.register_key", "dash.col.staff", "dash.col.payment_method",
	"dash.col.revision", "dash.col.id"}

// ownerDashboardCSV exports what the dashboard's filters select, newest
// first, at most dashboard.MaxExport rows, as CSV in UTF-8 with a BOM;
// times are RFC 3339 with the register's zone, amounts integers in yen.
// It is written as it is read. A refused parameter is the page's 400.
func (s *Server) ownerDashboardCSV(w http.ResponseWriter, r *http.Request) {
	c, ok := ownedByPath(s, w, r, "cameraID", s.deps.Tenancy.Camera)
	if !ok {
		return
	}
	v := dashView{tenantID: c.TenantID, camera: c, base: views.CameraURL(c.ID)}
	ctx := r.Context()
	d := parseDashRequest(r.URL.Query(), s.cfg.Location, s.deps.Dashboard.Now())
	p := s.page(r, "dash.title", c.Name)
	if len(d.errs) > 0 {
		s.render(w, r, http.StatusBadRequest, views.Dashboard(p, s.dashRefused(r, s.dashModel(r, v, d), d.errs)))
		return
	}
	lang := langOf(ctx)
	var out *csvx.Writer
	start := func() {
		name := fmt.Sprintf("poslink-%s-%s.csv", c.DeviceID, s.deps.Dashboard.Now().In(s.cfg.Location).Format("20060102"))
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		out = csvx.NewWriter(w)
		header := make([]string, 0, len(dashCSVColumns))
		for _, key := range dashCSVColumns {
			header = append(header, i18n.T(lang, key))
		}
		out.Write(header)
	}
	q := d.query(v)
	q.Cursor = ""
	_, truncated, err := s.deps.Dashboard.Export(ctx, q, func(batch []dashboard.Transaction) error {
		if out == nil {
			// Headers go once the first batch is read: a list that cannot
			// be read is still answered with its page.
			start()
		}
		for _, t := range batch {
			out.WriteNumbers(dashCSVRecord(lang, t), dashCSVAmounts...)
		}
		return out.Flush()
	})
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid && out == nil {
		s.render(w, r, http.StatusBadRequest, views.Dashboard(p, s.dashRefused(r, s.dashModel(r, v, d), e.Fields)))
		return
	}
	switch {
	case err != nil && out == nil:
		s.respond(w, r, err)
	case err != nil:
		// The status is sent: only an unfinished response tells the client
		// that the file is incomplete.
		httpx.Logger(ctx).Warn("dashboard export stopped", "err", err)
		panic(http.ErrAbortHandler)
	default:
		if out == nil {
			start()
		}
		if truncated {
			// The bound is said in the file, so that nobody takes it for
			// everything.
			out.Write([]string{i18n.T(lang, "dash.csv_truncated", dashboard.MaxExport)})
		}
		_ = out.Flush()
	}
}

// dashCSVAmounts are the indexes of the amounts' columns, which stay
// numbers (a negative amount included) in a spreadsheet.
var dashCSVAmounts = []int{2, 3, 4}

func dashCSVRecord(lang i18n.Lang, t dashboard.Transaction) []string {
	return []string{t.SoldAt.Format(time.RFC3339), i18n.T(lang, "dash.kind."+string(t.Kind)),
		strconv.FormatInt(t.Total, 10), strconv.FormatInt(t.Deposit, 10), strconv.FormatInt(t.Change, 10),
		t.ReceiptNo, t.TerminalName, t.TerminalKey, t.Staff, t.PaymentMethod, strconv.Itoa(t.Revision), strconv.FormatInt(t.ID, 10)}
}
