package portal

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/auditview"
	"github.com/poslink/poslink/internal/textcheck"
)

// The audit log's query parameters. tenant and actor_id come from links
// (another page's, a row's); the rest from the filter form.
const (
	auditTenant     = "tenant"
	auditTenantName = "tenant_name"
	auditActorID    = "actor_id"
	auditActor      = "actor"
	auditAction     = "action"
	auditFrom       = "from"
	auditTo         = "to"
	auditBefore     = "before"
)

// The longest texts the filter takes: a tenant's name and an e-mail.
const (
	auditMaxTenantName = 100
	auditMaxActor      = 254
)

// auditQuery is the log's filter as the page's form and links carry it.
type auditQuery struct {
	// staff: the console's filter (any tenant); else an owner's, whose
	// tenant is the session's whatever the query says.
	staff bool
	// values are the parameters read, as typed (trimmed), to show them
	// again and to carry them in the page's links.
	values map[string]string
	// errs maps a refused parameter to the i18n key of its message.
	errs map[string]string
	// filter is what the query selects, tenant aside for an owner.
	filter audit.Filter
	// linkedActor is the user a row's link narrowed the log to (staff).
	linkedActor int64
	// none: the query can select nothing (an owner's actor filter that
	// matches none of the tenant's users), and nothing is read.
	none bool
}

// auditParams are the parameters the log of staff or of an owner reads,
// in the order of the form.
func auditParams(staff bool) []string {
	if staff {
		return []string{auditTenant, auditTenantName, auditActorID, auditActor, auditAction, auditFrom, auditTo, auditBefore}
	}
	return []string{auditActor, auditAction, auditFrom, auditTo, auditBefore}
}

// parseAuditQuery reads and checks the log's parameters; dates are days
// in loc, the end day included.
func parseAuditQuery(q url.Values, staff bool, loc *time.Location) auditQuery {
	a := auditQuery{staff: staff, values: map[string]string{}, errs: map[string]string{}}
	for _, p := range auditParams(staff) {
		if v := strings.TrimSpace(q.Get(p)); v != "" {
			a.values[p] = v
		}
	}
	f := &a.filter
	f.TenantID = a.id(auditTenant)
	if a.linkedActor = a.id(auditActorID); a.linkedActor != 0 {
		f.ActorIDs = []int64{a.linkedActor}
	}
	f.BeforeID = a.id(auditBefore)
	f.TenantName = a.text(auditTenantName, auditMaxTenantName)
	f.ActorText = a.text(auditActor, auditMaxActor)
	if v := a.values[auditAction]; v != "" {
		if auditview.IsChoice(v) {
			f.Action = v
		} else {
			a.errs[auditAction] = "audit.err.action"
		}
	}
	f.From = a.day(auditFrom, loc)
	if to := a.day(auditTo, loc); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		a.errs[auditTo] = "audit.err.range"
	}
	return a
}

// id reads an ID that only the portal's own links carry.
func (a *auditQuery) id(p string) int64 {
	v := a.values[p]
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		a.errs[p] = "audit.err.link_value"
		return 0
	}
	return id
}

func (a *auditQuery) text(p string, maxRunes int) string {
	v := a.values[p]
	if prob := textcheck.Line(v, maxRunes); prob != textcheck.OK {
		a.errs[p] = prob.Key()
		return ""
	}
	return v
}

// day reads a calendar day as its first instant in loc.
func (a *auditQuery) day(p string, loc *time.Location) time.Time {
	v := a.values[p]
	if v == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		a.errs[p] = "audit.err.date"
		return time.Time{}
	}
	return d
}

// filtered says whether the form narrows the log (links' scopes aside).
func (a auditQuery) filtered() bool {
	for _, p := range []string{auditTenantName, auditActor, auditAction, auditFrom, auditTo} {
		if a.values[p] != "" {
			return true
		}
	}
	return false
}

// url is the log's page (path) with the query's parameters, less the
// ones dropped, plus extra ones.
func (a auditQuery) url(path string, drop []string, extra ...string) string {
	v := url.Values{}
	for p, x := range a.values {
		if p != auditBefore && !slices.Contains(drop, p) {
			v.Set(p, x)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
