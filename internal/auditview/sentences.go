package auditview

import (
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/i18n"
)

// sentence tells one action. It answers false when the entry's details
// lack what it needs (an entry clipped, or written by an older writer):
// the entry then reads generically.
type sentence func(t teller, e audit.Entry, d details) (string, bool)

// actions are the actions the writers record, in the order the filter
// lists them, each with its sentence. A writer's new action needs its
// sentence here: TestEveryWrittenActionHasASentence finds the writers'
// actions in the source and fails until it has one.
var actions = []struct {
	name string
	tell sentence
}{
	{"tenant.create", tenantCreate},
	{"tenant.rename", tenantRename},
	{"user.create", userCreate},
	{"user.disable", userChange("user.disable")},
	{"user.enable", userChange("user.enable")},
	{"user.set_password", userChange("user.set_password")},
	{"camera.create", cameraCreate},
	{"camera.update", cameraUpdate},
	{"camera.pos_option", cameraPOSOption},
	{"link.create", linkSave("link.create")},
	{"link.update", linkSave("link.update")},
	{"link.bind", linkBind},
	{"link.unbind", linkUnbind},
	{"link.delete", linkDelete},
	{"link.status", linkStatus},
	{"link.poll_requeued", linkPollRequeued},
	{"api_token.create", apiTokenCreate},
	{"api_token.revoke", apiTokenRevoke},
}

var sentences = func() map[string]sentence {
	m := make(map[string]sentence, len(actions))
	for _, a := range actions {
		m[a.name] = a.tell
	}
	return m
}()

func tenantCreate(t teller, _ audit.Entry, d details) (string, bool) {
	name, ok := d.text("name")
	return t.msg("tenant.create", t.q(name)), ok
}

func tenantRename(t teller, _ audit.Entry, d details) (string, bool) {
	from, ok1 := d.text("from")
	to, ok2 := d.text("to")
	return t.msg("tenant.rename", t.q(from), t.q(to)), ok1 && ok2
}

func userCreate(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	if !ok || kind != "user" {
		return "", false
	}
	who := t.userName(id)
	if email, ok := d.text("email"); ok {
		who = email
	}
	role, _ := d.text("role")
	switch role {
	case "owner":
		return t.msg("user.create_owner", who), true
	case "staff":
		return t.msg("user.create_staff", who), true
	}
	return t.msg("user.create", who), true
}

// userChange tells a change of a user the target names, which records no
// details: the action says what changed.
func userChange(action string) sentence {
	return func(t teller, e audit.Entry, _ details) (string, bool) {
		kind, id, ok := target(e)
		if !ok || kind != "user" {
			return "", false
		}
		return t.msg(action, t.userName(id)), true
	}
}

func cameraCreate(t teller, _ audit.Entry, d details) (string, bool) {
	name, ok1 := d.text("name")
	deviceID, ok2 := d.text("device_id")
	return t.msg("camera.create", t.msg("camera", t.q(name)), deviceID), ok1 && ok2
}

func cameraUpdate(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	from, ok1 := d.object("from")
	to, ok2 := d.object("to")
	if !ok || kind != "camera" || !ok1 || !ok2 {
		return "", false
	}
	var changes []string
	for _, field := range []string{"name", "device_id", "model"} {
		after, ok := to.text(field)
		if !ok {
			continue
		}
		before, _ := from.text(field)
		show := func(v string) string {
			switch {
			case v == "":
				return t.msg("none")
			case field == "name":
				return t.q(v)
			}
			return v
		}
		changes = append(changes, t.msg("change", t.msg("field."+field), show(before), show(after)))
	}
	if len(changes) == 0 {
		return "", false
	}
	return t.msg("camera.update", t.cameraName(id), t.join("change_sep", changes)), true
}

func cameraPOSOption(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	prev, ok1 := d.object("previous")
	if !ok || kind != "camera" || !ok1 {
		return "", false
	}
	before, ok2 := t.posOption(prev)
	after, ok3 := t.posOption(d)
	return t.msg("camera.pos_option", t.cameraName(id), before, after), ok2 && ok3
}

// posOption is a camera's POS option as camera.pos_option records it.
func (t teller) posOption(d details) (string, bool) {
	on, ok := d.flag("enabled")
	switch {
	case !ok:
		return "", false
	case !on:
		return t.msg("pos.off"), true
	}
	from, ok := d.text("usable_from")
	if !ok {
		return t.msg("pos.on"), true
	}
	return t.msg("pos.on_from", t.date(from)), true
}

// linkSave tells a link made or its credentials replaced, with the state
// it starts in when that is not active.
func linkSave(action string) sentence {
	return func(t teller, e audit.Entry, d details) (string, bool) {
		kind, id, ok := target(e)
		if !ok || kind != "connection" {
			return "", false
		}
		conn := t.connectionName(id, d)
		if status, ok := d.text("status"); ok && status != "" {
			return t.msg(action+"_status", conn, t.status(status)), true
		}
		return t.msg(action, conn), true
	}
}

func linkBind(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	cam, ok1 := d.id("camera_id")
	if !ok || kind != "connection" || !ok1 {
		return "", false
	}
	key, _ := d.text("terminal")
	name, _ := d.text("terminal_name")
	if key == "" && name == "" {
		return "", false
	}
	conn, term := t.connectionName(id, d), t.terminal(key, name)
	if prev, ok := d.id("previous_camera_id"); ok {
		return t.msg("link.rebind", conn, term, t.cameraName(prev), t.cameraName(cam)), true
	}
	return t.msg("link.bind", conn, term, t.cameraName(cam)), true
}

func linkUnbind(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	count, ok1 := d.number("bindings_ended")
	if !ok || kind != "connection" || !ok1 {
		return "", false
	}
	conn := t.connectionName(id, d)
	if ended := t.endedBindings(d); ended != "" {
		return t.msg("link.unbind", conn, count, ended), true
	}
	return t.msg("link.unbind_count", conn, count), true
}

func linkDelete(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	if !ok || kind != "connection" {
		return "", false
	}
	conn := t.connectionName(id, d)
	if count, _ := d.number("bindings_ended"); count > 0 {
		if ended := t.endedBindings(d); ended != "" {
			return t.msg("link.delete_ended", conn, count, ended), true
		}
	}
	return t.msg("link.delete", conn), true
}

// endedBindings lists the bindings a change ended, each terminal with the
// camera it fed, and how many more were not listed.
func (t teller) endedBindings(d details) string {
	var items []string
	for _, b := range d.objects("ended") {
		key, _ := b.text("terminal")
		name, _ := b.text("terminal_name")
		cam, _ := b.id("camera_id")
		items = append(items, t.msg("link.ended", t.terminal(key, name), t.cameraName(cam)))
	}
	if more, _ := d.number("not_listed"); more > 0 && len(items) > 0 {
		items = append(items, t.msg("link.more", more))
	}
	return t.join("list_sep", items)
}

// linkStatus tells a link's new state. The detail the system gives is
// for staff (technical, in English): owners read the state only.
func linkStatus(t teller, e audit.Entry, d details) (string, bool) {
	kind, id, ok := target(e)
	status, ok1 := d.text("status")
	if !ok || kind != "connection" || !ok1 {
		return "", false
	}
	conn := t.connectionName(id, d)
	if detail, _ := d.text("detail"); detail != "" && t.aud == Staff {
		return t.msg("link.status_detail", conn, t.q(t.status(status)), detail), true
	}
	return t.msg("link.status", conn, t.q(t.status(status))), true
}

func linkPollRequeued(t teller, e audit.Entry, d details) (string, bool) {
	id, ok := d.id("connection_id")
	if !ok {
		kind, tid, tok := target(e)
		if !tok || kind != "connection" {
			return "", false
		}
		id = tid
	}
	return t.msg("link.poll_requeued", t.connectionName(id, d)), true
}

func apiTokenCreate(t teller, _ audit.Entry, d details) (string, bool) {
	name, ok := d.text("name")
	if exp, has := d.text("expires_at"); has {
		return t.msg("api_token.create_exp", t.q(name), t.instant(exp)), ok
	}
	return t.msg("api_token.create", t.q(name)), ok
}

func apiTokenRevoke(t teller, _ audit.Entry, d details) (string, bool) {
	name, ok := d.text("name")
	return t.msg("api_token.revoke", t.q(name)), ok
}

// instant shows an RFC 3339 time in its own zone, as the reader's
// language writes it.
func (t teller) instant(s string) string {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	if t.lang == i18n.JA {
		return at.Format("2006/01/02 15:04")
	}
	return at.Format("2006-01-02 15:04")
}

// date shows a calendar day ("2026-11-26") as the reader's language
// writes it.
func (t teller) date(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	if t.lang == i18n.JA {
		return d.Format("2006/01/02")
	}
	return d.Format(time.DateOnly)
}
