package auditview

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/i18n"
)

// Audience is who reads the log.
type Audience int

const (
	// Staff read every tenant's entries with the address each change came
	// from, who made it and the system's details.
	Staff Audience = iota
	// Owner reads the tenant's own entries. A shop owner is told that
	// support (or the system) made a change and why, not which staff
	// member's account did, nor from which address: those are the
	// operator's records.
	Owner
)

// Line is an entry as its reader reads it, on the page and in the CSV.
type Line struct {
	ID int64
	At time.Time
	// Action is the action's code ("link.bind").
	Action string
	// Actor is who made the change, as the reader may see it.
	Actor string
	// ActorID is the user who made the change, for staff to filter by; 0
	// for owners and for changes by the command line or the system.
	ActorID int64
	// Address is the client address of the change, for staff only.
	Address string
	// TenantID and Tenant name the entry's tenant, for staff only.
	TenantID int64
	Tenant   string
	// Text is the sentence: what changed, before → after.
	Text   string
	Reason string
}

// Lines tells each entry to aud in lang, with the names n resolved.
func Lines(lang i18n.Lang, aud Audience, entries []audit.Entry, n Names) []Line {
	t := teller{lang: lang, aud: aud, n: n}
	out := make([]Line, len(entries))
	for i, e := range entries {
		l := Line{ID: e.ID, At: e.At, Action: e.Action, Actor: t.actor(e), Text: t.sentence(e), Reason: e.Actor.Reason}
		if aud == Staff {
			l.ActorID, l.Address, l.TenantID = e.Actor.UserID, e.Actor.Address, e.TenantID
			if e.TenantID != 0 {
				l.Tenant = t.tenantName(e.TenantID)
			}
		}
		out[i] = l
	}
	return out
}

// teller tells entries in one language to one audience.
type teller struct {
	lang i18n.Lang
	aud  Audience
	n    Names
}

func (t teller) msg(key string, args ...any) string {
	return i18n.T(t.lang, "audit.text."+key, args...)
}

// q quotes a name the way the language does: 「name」, “name”.
func (t teller) q(s string) string { return t.msg("quote", s) }

func (t teller) join(sep string, items []string) string { return strings.Join(items, t.msg(sep)) }

// sentence is the entry's sentence, or the generic one when its action has
// none or its details lack what the sentence needs.
func (t teller) sentence(e audit.Entry) string {
	d := details(e.Details)
	if clipped, _ := d.flag("clipped"); !clipped {
		if tell, ok := sentences[e.Action]; ok {
			if s, ok := tell(t, e, d); ok {
				return s
			}
		}
	}
	return t.generic(e, d)
}

// generic tells an entry no sentence tells: the action's name, its
// target and its details as "key: value" pairs, IDs named.
func (t teller) generic(e audit.Entry, d details) string {
	label := ActionName(t.lang, e.Action)
	if clipped, _ := d.flag("clipped"); clipped {
		size, _ := d.number("bytes")
		var keys []string
		if list, ok := d["keys"].([]any); ok {
			for _, k := range list {
				keys = append(keys, fmt.Sprint(k))
			}
		}
		return t.msg("clipped", label, size, t.join("list_sep", keys))
	}
	var pairs []string
	if kind, id, ok := target(e); ok {
		pairs = append(pairs, t.msg("pair", t.msg("target"), t.targetName(kind, id, e.Target)))
	} else if e.Target != "" {
		pairs = append(pairs, t.msg("pair", t.msg("target"), e.Target))
	}
	pairs = append(pairs, t.pairs(d)...)
	if len(pairs) == 0 {
		return label
	}
	return t.msg("generic", label, t.join("list_sep", pairs))
}

func (t teller) pairs(d details) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		out = append(out, t.msg("pair", k, t.value(k, d[k])))
	}
	return out
}

// value shows one detail: IDs of cameras, links and users by name,
// secrets masked, lists and objects spelled out.
func (t teller) value(k string, v any) string {
	if secretKey(k) {
		return "*****"
	}
	switch v := v.(type) {
	case nil:
		return t.msg("none")
	case string:
		if v == "" {
			return t.msg("none")
		}
		return v
	case bool:
		if v {
			return t.msg("yes")
		}
		return t.msg("no")
	case float64:
		if id, ok := (details{k: v}).id(k); ok {
			switch {
			case strings.HasSuffix(k, "camera_id"):
				return t.cameraName(id)
			case strings.HasSuffix(k, "connection_id"):
				return t.connectionName(id, nil)
			case strings.HasSuffix(k, "user_id"):
				return t.userName(id)
			}
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		items := make([]string, len(v))
		for i, x := range v {
			items[i] = t.value(k, x)
		}
		return "[" + t.join("list_sep", items) + "]"
	case map[string]any:
		return "(" + t.join("list_sep", t.pairs(details(v))) + ")"
	}
	return fmt.Sprint(v)
}

func (t teller) targetName(kind string, id int64, raw string) string {
	switch kind {
	case "camera":
		return t.cameraName(id)
	case "connection":
		return t.connectionName(id, nil)
	case "user":
		return t.userName(id)
	case "tenant":
		return t.tenantName(id)
	}
	return raw
}

// actor is who made the change, as the reader may see it: staff see the
// actor as recorded; an owner sees the tenant's own users by e-mail, and
// everyone else as support or the system.
func (t teller) actor(e audit.Entry) string {
	if t.aud == Staff {
		return e.Actor.Label
	}
	if u, ok := t.n.users[e.Actor.UserID]; ok && e.Actor.UserID != 0 && u.role == "owner" {
		return e.Actor.Label
	}
	if strings.HasPrefix(e.Actor.Label, "system:") {
		return i18n.T(t.lang, "audit.actor.system")
	}
	return i18n.T(t.lang, "audit.actor.support")
}

func (t teller) cameraName(id int64) string {
	if c, ok := t.n.cameras[id]; ok {
		return t.msg("camera", t.q(c.name))
	}
	return t.msg("camera_id", id)
}

func (t teller) userName(id int64) string {
	if u, ok := t.n.users[id]; ok {
		return u.email
	}
	return t.msg("user_id", id)
}

func (t teller) tenantName(id int64) string {
	if name, ok := t.n.tenants[id]; ok {
		return name
	}
	return t.msg("tenant_id", id)
}

// connectionName names a POS link by its provider, account and name as
// read now, or as the entry recorded them (d may be nil).
func (t teller) connectionName(id int64, d details) string {
	c, ok := t.n.connections[id]
	if !ok {
		c.provider, _ = d.text("provider")
		c.externalID, _ = d.text("external_id")
	}
	if c.provider == "" || c.externalID == "" {
		return t.msg("conn_id", id)
	}
	key := "conn.other"
	if c.provider == "ubiregi" || c.provider == "smaregi" {
		key = "conn." + c.provider
		if c.name != "" {
			key += "_named"
		}
	}
	return t.msg(key, t.q(c.name), c.externalID, c.provider)
}

// terminal names a POS terminal by the name its POS gave it, else its key.
func (t teller) terminal(key, name string) string {
	if name != "" {
		return t.msg("terminal", t.q(name))
	}
	return t.msg("terminal", t.q(key))
}

// status is a link's state in words.
func (t teller) status(s string) string {
	if key := "audit.text.status." + s; i18n.Has(key) {
		return i18n.T(t.lang, key)
	}
	return s
}
