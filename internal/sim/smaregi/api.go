package smaregi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// serveAPI is the API host: the POS API under /{contract_id}/pos.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] == "" || parts[1] != "pos" || parts[len(parts)-1] == "" {
		writeProblem(w, http.StatusNotFound, "No such endpoint.")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		writeProblem(w, http.StatusMethodNotAllowed, "The simulator serves GET on this endpoint.")
		return
	}
	a, granted, status, why := s.authenticate(r, parts[0])
	if status != 0 {
		writeProblem(w, status, why)
		return
	}
	now := s.clock.Now()
	if !s.limiter.allow(a.ID, s.limitOf(a), now) {
		tooMany(w)
		return
	}
	need := "pos.transactions:read"
	if parts[2] != "transactions" {
		need = "pos.stores:read"
	}
	ok := granted&mustScope(need) != 0
	if parts[2] == "terminals" {
		// ASSUMPTION: (#13) /terminals needs pos.stores:read; pos.staffs:read
		// (what one community spec says) is accepted as well.
		ok = ok || granted&mustScope("pos.staffs:read") != 0
	}
	var handle func(http.ResponseWriter, *http.Request, *account, time.Time, string)
	switch {
	case parts[2] == "transactions" && len(parts) == 3:
		handle = s.listTransactions
	case parts[2] == "transactions":
		handle = s.getTransaction
	case parts[2] == "stores" && len(parts) == 3:
		handle = s.listStores
	case parts[2] == "stores":
		handle = s.getStore
	case parts[2] == "terminals" && len(parts) == 3:
		handle = s.listTerminals
	default:
		writeProblem(w, http.StatusNotFound, "No such endpoint.")
		return
	}
	if !ok {
		writeProblem(w, http.StatusForbidden, "The access token lacks the scope "+need+".")
		return
	}
	handle(w, r, a, now, parts[len(parts)-1])
}

func mustScope(name string) uint64 {
	b, _ := scopeBit(name)
	return b
}

// authenticate checks the bearer token: 401 when missing, invalid, revoked
// or expired; 404 when it belongs to another contract than the path's.
func (s *Server) authenticate(r *http.Request, contractID string) (*account, uint64, int, string) {
	h := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, 0, http.StatusUnauthorized, "An access token is required (Authorization: Bearer)."
	}
	c, err := s.verify(strings.TrimSpace(tok))
	if err != nil {
		return nil, 0, http.StatusUnauthorized, "The access token is invalid."
	}
	a, ok := s.lookup(c.Sub)
	if !ok || c.Gen != a.tokenGen {
		return nil, 0, http.StatusUnauthorized, "The access token has been revoked."
	}
	if !s.clock.Now().Before(time.Unix(c.Exp, 0)) {
		return nil, 0, http.StatusUnauthorized, "The access token has expired."
	}
	if c.Sub != contractID {
		return nil, 0, http.StatusNotFound, "The contract was not found."
	}
	mask, err := scopeMask(strings.Fields(c.Scope))
	if err != nil {
		return nil, 0, http.StatusUnauthorized, "The access token is invalid."
	}
	return a, mask, 0, ""
}

// listTransactions is GET /transactions: a bare JSON array of heads.
func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request, a *account, now time.Time, _ string) {
	tq, err := parseTxQuery(r.URL.Query())
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	sc := newScanner(a, now)
	rows := page(sc.collect(tq.conds, tq.sort), tq.page, tq.limit)
	b := make([]byte, 0, 4096*len(rows)+2)
	b = append(b, '[')
	for i, rw := range rows {
		rc, ok := sc.record(rw.ti, rw.seq, rw.negates)
		if !ok {
			s.log.Error("smaregi sim: a listed transaction vanished", "contract_id", a.ID, "id", rw.vals[aID])
			writeProblem(w, http.StatusInternalServerError, "The transactions could not be read.")
			return
		}
		if i > 0 {
			b = append(b, ',')
		}
		v := viewOf(&rc)
		o := beginObject(&b, tq.keep)
		v.platform(&o)
		unfiltered(&o, func() {
			if tq.details != "none" {
				v.details(&o, tq.details == "summary")
			}
			if tq.depositOthers {
				v.depositOthers(&o)
			}
			v.layaways(&o, tq.layaway, tq.pickUp)
		})
		o.end()
	}
	b = append(b, ']')
	writeList(w, r, b, tq.page, len(rows) == tq.limit)
}

// getTransaction is GET /transactions/{transaction_id}.
func (s *Server) getTransaction(w http.ResponseWriter, r *http.Request, a *account, now time.Time, idS string) {
	q := r.URL.Query()
	details, err := withValue(q, "with_details", "all", "summary", "none")
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	flags := map[string]string{}
	for _, name := range []string{"with_deposit_others", "with_store", "with_coupons", "with_customer", "with_customer_groups",
		"with_staff", "with_layaway", "with_layaways", "with_layaway_pick_ups"} {
		if flags[name], err = withValue(q, name, "all", "none"); err != nil {
			writeProblem(w, http.StatusBadRequest, detail(err))
			return
		}
	}
	keep, err := parseFields(q.Get("fields"))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detail(err))
		return
	}
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil {
		writeProblem(w, http.StatusNotFound, "The transaction was not found.")
		return
	}
	rc, ok := newScanner(a, now).byID(id)
	if !ok {
		writeProblem(w, http.StatusNotFound, "The transaction was not found.")
		return
	}
	v := viewOf(&rc)
	b := make([]byte, 0, 8192)
	o := beginObject(&b, keep)
	v.platform(&o)
	o.str("discountCalculateDivision", "0")
	unfiltered(&o, func() {
		if details != "none" {
			v.details(&o, details == "summary")
		}
		if flags["with_deposit_others"] == "all" {
			v.depositOthers(&o)
		}
		v.layaways(&o, flags["with_layaway"] == "all" || flags["with_layaways"] == "all", flags["with_layaway_pick_ups"] == "all")
		if flags["with_store"] == "all" {
			o.sub("store", func(b *[]byte) { writeStore(b, rc.reg.store, a, false, false) })
		}
		v.optionalBlocks(&o, flags)
	})
	o.end()
	writeJSON(w, http.StatusOK, b)
}

// unfiltered writes nested blocks whatever `fields` selects: the selection
// is of top-level fields only.
func unfiltered(o *object, write func()) {
	keep := o.keep
	o.keep = nil
	write()
	o.keep = keep
}

// writeList sends a page of a list. A full page carries Link headers to
// the next and the first page.
// ASSUMPTION: (#12) Link with rel="next" (and rel="first") on every full
// page, no total-count header; a client must also stop on a short page.
func writeList(w http.ResponseWriter, r *http.Request, body []byte, page int, full bool) {
	if full {
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="first"`, pageURL(r, page+1), pageURL(r, 1)))
	}
	writeJSON(w, http.StatusOK, body)
}

// pageURL is the request's absolute URL with another page, built from the
// Host the client used.
func pageURL(r *http.Request, page int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
