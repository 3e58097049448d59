package portal_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/httpx"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/sim/sandbox"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// outcome is what a person gets for a value of a field.
type outcome int

const (
	// refused: 400 with a message on the page, and nothing saved.
	refused outcome = iota
	// done: the form does what it does (a 2xx, or a redirect to a page
	// without an error); markup is shown escaped wherever it appears.
	done
	// ignored: the value is dropped (a search that finds nothing, a next
	// page that is not on this site): no error, and nothing saved.
	ignored
	// flashed: a redirect to a page that shows the message (a confirmation
	// step with nothing to confirm, a consent callback); nothing saved.
	flashed
	// wrongLogin: 401 with the login's one message; only the login
	// counters change.
	wrongLogin
	// notFound: 404 with a message, nothing saved: a value that only the
	// page itself puts in a form (a row's key) and that names nothing.
	notFound
)

func (o outcome) String() string {
	return [...]string{"refused", "done", "ignored", "flashed", "wrongLogin", "notFound"}[o]
}

// badField is one form field or query parameter of a route and what a
// person gets for each kind of value the uniform cases do not cover: empty,
// as long as a request may bring (the fields' own limits are far lower),
// with a direction control, with markup. Bad bytes (NUL, invalid UTF-8) and
// values over httpx.MaxValueBytes are refused the same way for every field.
type badField struct {
	name                      string
	empty, long, bidi, markup outcome
}

// badRoute is a route of the portal with a good request's values (filled
// afresh for every case: n is unique) and the fields it reads.
type badRoute struct {
	method, pattern string
	who             string // "anon", "owner" or "staff"
	// counters: the route is the login, which counts every attempt.
	counters bool
	// stream: the answer is an event stream, read for a moment only.
	stream      bool
	query, form func(n int) url.Values
	fields      []badField // in query for GET, in the form for POST
}

// The values of the cases. markup tries both text and attribute contexts.
const (
	bidiValue   = "abc\u202Etxt.exe"
	markupValue = `<b>x</b>"'><svg onload=alert(1)>`
)

var longValue = strings.Repeat("a", httpx.MaxValueBytes)

// uniformCases are refused where the request comes in, for any field:
// 400 with the bad-input message before any query.
var uniformCases = map[string]string{
	"NUL":           "a\x00b",
	"invalid UTF-8": "a\xffb",
	"too long":      strings.Repeat("a", httpx.MaxValueBytes+1),
}

// badInputFixture is a tenant with an owner (logged in), a second owner
// (for the staff's password and suspension forms), cameras, a Ubiregi link
// and a Smaregi link each feeding a camera, and a staff member logged in.
type badInputFixture struct {
	t            *testing.T
	e            *env
	owner, staff *client
	ids          map[string]string // path parameter → ID
	ubTerminal   string
	smContract   func(n int) url.Values
}

func newBadInputFixture(t *testing.T) *badInputFixture {
	t.Helper()
	e := newEnv(t)
	tn := e.tenant(t, "入力検査の店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	second := e.owner(t, tn.ID, "second@shop.example", "second-password-1")
	e.staff(t, staffEmail, staffPW)
	cam := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	cam2 := e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	camWait := e.camera(t, tn.ID, "cam-backyard", "バックヤードカメラ", testNow.AddDate(0, 0, 3))
	owner := e.login(t, ownerEmail, ownerPW)

	cb := ubConsent(t, owner, ubConnect(t, owner), sandbox.UbiregiLogin, sandbox.UbiregiPassword, "allow")
	getFollow(t, owner, cb)
	ub := e.ubConnection(t, tn.ID)
	ubTerms := e.ubTerminals(t, tn.ID, ub.ID)
	postDone(t, owner, "/ubiregi/"+itoa(ub.ID)+"/bind", url.Values{"terminal": {ubTerms[0].Key}, "camera": {itoa(cam.ID)}, "binding": {"0"}}, "")
	sm := pureSmaregiLink(t, e, owner, tn.ID, e.sims.Info.Smaregi.ContractID)
	postDone(t, owner, connPath(sm.ID, "bind"), url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {itoa(cam2.ID)}, "binding": {"0"}}, "")

	createToken(t, owner, "入力検査のビューア")
	var tokenID int64
	if err := e.pool.QueryRow(t.Context(), `SELECT max(id) FROM api_tokens`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}

	// A sale on the camera of {cameraID}, with its still.
	txn := e.stillSale(t, tn.ID, sm.ID, camWait.ID, "payment", "ready", testJPEG(t))

	fx := &badInputFixture{t: t, e: e, owner: owner, staff: e.login(t, staffEmail, staffPW), ubTerminal: ubTerms[0].Key,
		ids: map[string]string{"tenantID": itoa(tn.ID), "userID": itoa(second.ID), "cameraID": itoa(camWait.ID),
			"ubiregi": itoa(ub.ID), "smaregi": itoa(sm.ID), "cam": itoa(cam.ID), "cam2": itoa(cam2.ID), "tokenID": itoa(tokenID), "txnID": itoa(txn)}}
	fx.smContract = func(n int) url.Values {
		k, err := e.sims.Smaregi.CreateContract(smaregisim.ContractSpec{ID: fmt.Sprintf("skbad%04d", n), RateLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"contract_id": {k.ID}, "client_id": {k.ClientID}, "client_secret": {k.ClientSecret}, "memo": {"本店"}}
	}
	return fx
}

// conn is the ID of the fixture's Ubiregi or Smaregi link.
func (fx *badInputFixture) conn(provider string) int64 {
	id, _ := link.ParseID(fx.ids[provider])
	return id
}

// path fills the route's parameters with the fixture's IDs.
func (fx *badInputFixture) path(rt badRoute) string {
	p := rt.pattern
	for _, k := range []string{"tenantID", "userID", "cameraID", "tokenID", "txnID"} {
		p = strings.ReplaceAll(p, "{"+k+"}", fx.ids[k])
	}
	switch {
	case strings.HasPrefix(p, "/ubiregi/"):
		p = strings.ReplaceAll(p, "{connID}", fx.ids["ubiregi"])
	case strings.HasPrefix(p, "/smaregi/"), strings.HasPrefix(p, "/support/"):
		p = strings.ReplaceAll(p, "{connID}", fx.ids["smaregi"])
	}
	return p
}

func vals(kv ...string) func(int) url.Values {
	return func(int) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
}

// badRoutes is every route of the portal that reads input, with every
// field it reads. TestEveryRouteIsInTheBadInputTable keeps it complete.
func (fx *badInputFixture) badRoutes() []badRoute {
	field := func(name string, empty, long, bidi, markup outcome) badField {
		return badField{name: name, empty: empty, long: long, bidi: bidi, markup: markup}
	}
	// An ID, a code or a choice: nothing but the right value is taken.
	strict := func(name string) badField { return field(name, refused, refused, refused, refused) }
	// A row's key, which the page puts in the form: what names no row is
	// not found.
	rowKey := func(name string) badField { return field(name, notFound, notFound, notFound, notFound) }
	// A name shown to people: required, no direction controls, markup is text.
	name := func(n string) badField { return field(n, refused, refused, refused, done) }
	next := field("next", ignored, ignored, ignored, ignored)
	cam, cam2 := fx.ids["cam"], fx.ids["cam2"]
	// The audit log's filter: a search's text finds nothing or is refused
	// with its message; IDs, the action and dates are refused unless right.
	search := func(n string) badField { return field(n, ignored, refused, refused, ignored) }
	choice := func(n string) badField { return field(n, ignored, refused, refused, refused) }
	ownerAudit := []badField{search("actor"), choice("action"), choice("from"), choice("to"), choice("before")}
	staffAudit := append([]badField{choice("tenant"), search("tenant_name"), choice("actor_id")}, ownerAudit...)
	// The bindings a page shows now: the version its changes carry.
	ubSeen := func() string { return fx.e.seenOf(fx.t, fx.conn("ubiregi"), fx.ubTerminal) }
	smSeen := func() string { return fx.e.seenOf(fx.t, fx.conn("smaregi"), "1:1") }
	allSeen := func(conn string) func(int) url.Values {
		return func(int) url.Values { return url.Values{"binding": fx.e.seenAll(fx.t, fx.conn(conn))} }
	}
	dashFields := []badField{choice("kind"), search("q"), choice("date"), choice("range"), choice("at"), choice("cursor")}
	// A reason is text: required, bounded, no direction controls.
	reason := field("reason", refused, refused, refused, done)
	return []badRoute{
		{method: "POST", pattern: "/lang", who: "anon", form: vals("lang", "en", "next", "/cameras"),
			fields: []badField{strict("lang"), next}},
		{method: "GET", pattern: "/login", who: "anon", query: vals("next", "/cameras"), fields: []badField{next}},
		{method: "POST", pattern: "/login", who: "anon", counters: true, form: vals("email", ownerEmail, "password", ownerPW, "next", "/cameras"),
			fields: []badField{field("email", wrongLogin, wrongLogin, wrongLogin, wrongLogin),
				field("password", wrongLogin, wrongLogin, wrongLogin, wrongLogin), next}},
		{method: "POST", pattern: "/logout", who: "anon"},

		{method: "GET", pattern: "/", who: "owner"},
		{method: "GET", pattern: "/cameras", who: "owner"},
		{method: "GET", pattern: "/cameras/{cameraID}", who: "owner"},
		{method: "GET", pattern: "/cameras/{cameraID}/events", who: "owner", stream: true, query: vals("after", "0"),
			fields: []badField{field("after", done, refused, refused, refused)}},
		// The dashboard: a search finds nothing or is refused; the kind,
		// the day, the range and the links' time and cursor are refused
		// unless right. The export reads no cursor.
		{method: "GET", pattern: "/cameras/{cameraID}/dashboard", who: "owner", query: vals("range", "24h"), fields: dashFields},
		{method: "GET", pattern: "/cameras/{cameraID}/dashboard.csv", who: "owner", query: vals("range", "24h"), fields: dashFields[:5]},
		{method: "GET", pattern: "/cameras/{cameraID}/transactions/{txnID}/still", who: "owner"},
		{method: "GET", pattern: "/cameras/{cameraID}/live.jpg", who: "owner"},
		{method: "GET", pattern: "/ubiregi", who: "owner"},
		{method: "POST", pattern: "/ubiregi/connect", who: "owner"},
		{method: "GET", pattern: "/ubiregi/callback", who: "owner", query: vals("state", "s", "code", "c"),
			fields: []badField{field("state", flashed, flashed, flashed, flashed), field("code", flashed, flashed, flashed, flashed),
				field("error", flashed, flashed, flashed, flashed)}},
		{method: "POST", pattern: "/ubiregi/{connID}/bind", who: "owner", form: func(int) url.Values {
			return url.Values{"terminal": {fx.ubTerminal}, "camera": {cam}, "binding": {ubSeen()}}
		},
			// A key too long or with a direction control cannot be a terminal's:
			// refused as text; a well-formed key naming none is not found.
			fields: []badField{field("terminal", refused, refused, refused, notFound), strict("camera"), strict("binding")}},
		{method: "GET", pattern: "/ubiregi/{connID}/unbind", who: "owner", query: vals("terminal", fx.ubTerminal),
			fields: []badField{rowKey("terminal")}},
		{method: "POST", pattern: "/ubiregi/{connID}/unbind", who: "owner",
			form: func(int) url.Values { return url.Values{"binding": {ubSeen()}} }, fields: []badField{strict("binding")}},
		{method: "GET", pattern: "/ubiregi/{connID}/delete", who: "owner"},
		{method: "POST", pattern: "/ubiregi/{connID}/delete", who: "owner", form: allSeen("ubiregi"), fields: []badField{strict("binding")}},

		{method: "GET", pattern: "/smaregi", who: "owner"},
		{method: "GET", pattern: "/smaregi/new", who: "owner"},
		{method: "POST", pattern: "/smaregi", who: "owner", form: fx.smContract,
			fields: []badField{strict("contract_id"), strict("client_id"), strict("client_secret"),
				field("memo", done, refused, refused, done)}},
		{method: "GET", pattern: "/smaregi/{connID}", who: "owner"},
		{method: "POST", pattern: "/smaregi/{connID}/bind", who: "owner",
			form: func(int) url.Values {
				return url.Values{"store_id": {"1"}, "terminal_id": {"1"}, "camera_id": {cam2}, "binding": {smSeen()}}
			},
			fields: []badField{strict("store_id"), strict("terminal_id"), strict("camera_id"), strict("binding"),
				// typed only says which form was sent.
				field("typed", done, done, done, done)}},
		{method: "GET", pattern: "/smaregi/{connID}/edit", who: "owner"},
		{method: "POST", pattern: "/smaregi/{connID}/edit", who: "owner", form: func(int) url.Values {
			k, _ := fx.e.sims.Smaregi.Contract(fx.e.sims.Info.Smaregi.ContractID)
			return url.Values{"client_id": {k.ClientID}, "client_secret": {k.ClientSecret}, "memo": {"本店"}}
			// An empty secret keeps the stored one (shown as *****).
		}, fields: []badField{strict("client_id"), field("client_secret", done, refused, refused, refused),
			field("memo", done, refused, refused, done)}},
		{method: "GET", pattern: "/smaregi/{connID}/unbind", who: "owner", query: vals("terminal", "1:1"),
			fields: []badField{field("terminal", refused, refused, refused, refused)}},
		{method: "POST", pattern: "/smaregi/{connID}/unbind", who: "owner",
			form: func(int) url.Values { return url.Values{"binding": {smSeen()}} }, fields: []badField{strict("binding")}},
		{method: "GET", pattern: "/smaregi/{connID}/delete", who: "owner"},
		{method: "POST", pattern: "/smaregi/{connID}/delete", who: "owner", form: allSeen("smaregi"), fields: []badField{strict("binding")}},
		{method: "GET", pattern: "/links", who: "owner"},
		{method: "GET", pattern: "/tokens", who: "owner"},
		{method: "POST", pattern: "/tokens", who: "owner", form: func(n int) url.Values {
			return url.Values{"name": {fmt.Sprintf("ビューア %d", n)}, "expires": {"2026-12-31"}}
			// An empty expiry is none; anything else must be a day.
		}, fields: []badField{name("name"), field("expires", done, refused, refused, refused)}},
		{method: "GET", pattern: "/tokens/{tokenID}/revoke", who: "owner"},
		{method: "POST", pattern: "/tokens/{tokenID}/revoke", who: "owner"},
		// The viewer API answers problem documents; /api/v1/cameras reads no parameter.
		{method: "GET", pattern: "/api/v1/cameras", who: "owner"},
		{method: "GET", pattern: "/api/v1/cameras/{cameraID}/transactions/stream", who: "owner", stream: true,
			query: vals("after", "0"), fields: []badField{field("after", done, refused, refused, refused)}},
		{method: "GET", pattern: "/api/v1/openapi.json", who: "anon"},
		// The list's times, kind, limit and cursor are refused unless right;
		// a search with markup finds nothing.
		{method: "GET", pattern: "/api/v1/cameras/{cameraID}/transactions", who: "owner", query: vals("limit", "10"),
			fields: []badField{field("from", done, refused, refused, refused), field("to", done, refused, refused, refused),
				field("kind", done, refused, refused, refused), field("q", done, refused, refused, done),
				field("limit", done, refused, refused, refused), field("cursor", done, refused, refused, refused)}},
		{method: "GET", pattern: "/api/v1/transactions/{txnID}", who: "owner"},
		{method: "GET", pattern: "/api/v1/transactions/{txnID}/thumbnail", who: "owner"},

		{method: "GET", pattern: "/support/", who: "staff"},
		{method: "GET", pattern: "/support/tenants", who: "staff", query: vals("q", "入力"),
			// A search is text like any other: refused with its message when
			// it is too long or holds a direction control.
			fields: []badField{field("q", ignored, refused, refused, ignored)}},
		{method: "POST", pattern: "/support/tenants", who: "staff", form: func(n int) url.Values {
			return url.Values{"name": {fmt.Sprintf("新しい店 %d", n)}}
		}, fields: []badField{name("name")}},
		{method: "GET", pattern: "/support/tenants/{tenantID}/", who: "staff"},
		{method: "POST", pattern: "/support/tenants/{tenantID}/", who: "staff", form: vals("name", "入力検査の店"),
			fields: []badField{name("name")}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/owners", who: "staff", form: func(n int) url.Values {
			return url.Values{"email": {fmt.Sprintf("new%d@shop.example", n)}, "display_name": {"新オーナー"}, "password": {"new-owner-pw-1"}}
		}, fields: []badField{strict("email"), field("display_name", done, refused, refused, done),
			// A password is a secret, never shown: any text of its length.
			field("password", refused, refused, done, done)}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/users/{userID}/disable", who: "staff"},
		{method: "POST", pattern: "/support/tenants/{tenantID}/users/{userID}/enable", who: "staff"},
		{method: "POST", pattern: "/support/tenants/{tenantID}/users/{userID}/password", who: "staff",
			form: vals("password", "reset-password-1"), fields: []badField{field("password", refused, refused, done, done)}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/cameras", who: "staff", form: func(n int) url.Values {
			return url.Values{"device_id": {fmt.Sprintf("cam-bad-%d", n)}, "name": {"新カメラ"}, "model": {"CC-2L_SF"}}
		}, fields: []badField{strict("device_id"), name("name"), field("model", done, refused, refused, done)}},
		{method: "GET", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}", who: "staff"},
		{method: "GET", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}/dashboard", who: "staff", query: vals("range", "24h"), fields: dashFields},
		{method: "GET", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}/transactions/{txnID}/still", who: "staff"},
		{method: "GET", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}/live.jpg", who: "staff"},
		{method: "POST", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}", who: "staff",
			form:   vals("device_id", "cam-backyard", "name", "バックヤードカメラ", "model", "CC-2L_SF"),
			fields: []badField{strict("device_id"), name("name"), field("model", done, refused, refused, done)}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/cameras/{cameraID}/pos", who: "staff",
			form: vals("pos", "on", "pos_usable_from", "2026-11-26"), fields: []badField{strict("pos"), strict("pos_usable_from")}},
		// 今すぐ取得: the reason is recorded as typed, markup and all.
		{method: "POST", pattern: "/support/tenants/{tenantID}/connections/{connID}/requeue", who: "staff",
			form: vals("reason", "お客様から電話"), fields: []badField{field("reason", refused, refused, refused, done)}},
		{method: "GET", pattern: "/support/audit", who: "staff", query: vals("tenant", fx.ids["tenantID"]), fields: staffAudit},
		{method: "GET", pattern: "/support/audit.csv", who: "staff", query: vals("tenant", fx.ids["tenantID"]), fields: staffAudit},
		{method: "GET", pattern: "/audit", who: "owner", query: vals("action", "link."), fields: ownerAudit},
		{method: "GET", pattern: "/audit.csv", who: "owner", query: vals("action", "link."), fields: ownerAudit},
		// A tenant's links for staff, last: a change with a good reason is
		// done (the rebind to the camera the terminal feeds changes
		// nothing; the delete of its link, then of the whole link, do).
		{method: "GET", pattern: "/support/tenants/{tenantID}/links", who: "staff"},
		{method: "POST", pattern: "/support/tenants/{tenantID}/links/{connID}/rebind", who: "staff",
			form: func(int) url.Values {
				return url.Values{"binding": {smSeen()}, "camera": {cam2}, "reason": {"店長から電話で依頼"}}
			}, fields: []badField{strict("binding"), strict("camera"), reason}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/links/{connID}/unbind", who: "staff",
			form: func(int) url.Values {
				return url.Values{"binding": {smSeen()}, "reason": {"店長から電話で依頼"}}
			},
			fields: []badField{strict("binding"), reason}},
		{method: "POST", pattern: "/support/tenants/{tenantID}/links/{connID}/delete", who: "staff",
			form: func(n int) url.Values {
				v := allSeen("smaregi")(n)
				v.Set("reason", "店長から電話で依頼")
				return v
			}, fields: []badField{strict("binding"), reason}},
	}
}

// noInputRoutes read nothing from the request: health checks and files.
var noInputRoutes = []string{"GET /healthz", "GET /readyz", "GET /favicon.ico", "* /static/*"}

// The table knows every route of the portal and no route it does not
// have: a new route fails here until its fields are in the table.
func TestEveryRouteIsInTheBadInputTable(t *testing.T) {
	fx := &badInputFixture{ids: map[string]string{}, smContract: func(int) url.Values { return nil }}
	e := newEnv(t)
	fx.e = e
	known := map[string]bool{}
	for _, rt := range fx.badRoutes() {
		known[rt.method+" "+rt.pattern] = true
	}
	served := map[string]bool{}
	err := portal.WalkRoutes(e.portal, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		if strings.HasPrefix(route, "/static/") {
			key = "* " + route
		}
		served[key] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range noInputRoutes {
		known[r] = true
	}
	for r := range served {
		if !known[r] {
			t.Errorf("route %s is not in the bad-input table (badinput_test.go)", r)
		}
	}
	for r := range known {
		if !served[r] {
			t.Errorf("the bad-input table lists %s, which the portal does not serve", r)
		}
	}
}

// Finding 5 of the audit, and the matrix: every form field and
// query parameter of every route, empty, as long as a request may bring,
// too long, with NUL, with invalid UTF-8, with a direction control and
// with markup, as the role the route is for. No case is a 500: each is
// refused with a message and nothing saved, or does what the form does
// with markup shown escaped, as the table says. Every route also gets the
// bad bytes in a parameter it does not read and in a parameter's name, and
// bad IDs in its path.
func TestBadInputOnEveryRoute(t *testing.T) {
	fx := newBadInputFixture(t)
	n := 0
	for _, rt := range fx.badRoutes() {
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			var cases []badCase
			for _, f := range rt.fields {
				for _, c := range []struct {
					kind  string
					value string
					want  outcome
				}{{"empty", "", f.empty}, {"long", longValue, f.long}, {"bidi", bidiValue, f.bidi}, {"markup", markupValue, f.markup}} {
					cases = append(cases, badCase{name: f.name + "/" + c.kind, field: f.name, value: c.value, want: c.want})
				}
				for kind, v := range uniformCases {
					cases = append(cases, badCase{name: f.name + "/" + kind, field: f.name, value: v, want: refused, badInput: true})
				}
			}
			// A parameter nobody reads, and a bad name, are refused all the same.
			for kind, v := range uniformCases {
				cases = append(cases, badCase{name: "unread/" + kind, field: "x", value: v, want: refused, badInput: true, unread: true})
			}
			cases = append(cases, badCase{name: "name/NUL", field: "a\x00b", value: "1", want: refused, badInput: true, unread: true})
			slices.SortFunc(cases, func(a, b badCase) int { return strings.Compare(a.name, b.name) })
			for _, c := range cases {
				n++
				fx.run(t, rt, c, n)
			}
			fx.badPathIDs(t, rt)
		})
	}
}

type badCase struct {
	name, field, value string
	want               outcome
	// badInput: refused where the request comes in, with that message.
	badInput bool
	// unread: a parameter the route does not read; in the query of a GET,
	// in the form and the query of a POST.
	unread bool
}

func (fx *badInputFixture) client(t *testing.T, who string) *client {
	switch who {
	case "owner":
		return fx.owner
	case "staff":
		return fx.staff
	}
	return fx.e.client(t)
}

// run makes one request of the route with the case's value in its field
// and checks the answer and the tables.
func (fx *badInputFixture) run(t *testing.T, rt badRoute, c badCase, n int) {
	t.Helper()
	query, form := url.Values{}, url.Values{}
	if rt.query != nil {
		query = rt.query(n)
	}
	if rt.form != nil && !c.unread {
		form = rt.form(n)
	}
	switch {
	case c.unread && rt.method == http.MethodPost:
		// Only the bad parameter: a good request of a delete route would
		// delete.
		form = url.Values{c.field: {c.value}}
		query.Set(c.field, c.value)
	case c.unread || rt.method == http.MethodGet:
		query.Set(c.field, c.value)
	default:
		form.Set(c.field, c.value)
	}
	path := fx.path(rt)
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	cl := fx.client(t, rt.who)
	snapshot := func() map[string]string {
		if rt.counters {
			return withoutLoginCounters(pureSnapshot(t, fx.e))
		}
		return pureSnapshot(t, fx.e)
	}
	before := snapshot()
	var res *http.Response
	var body string
	switch {
	case rt.stream:
		res, body = cl.getBriefly(path)
	case rt.method == http.MethodGet:
		res, body = cl.get(path)
	default:
		res, body = cl.postForm(path, form)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s, %s: "+format+"\n%.3000s", append([]any{c.name, c.want}, append(args, body)...)...)
	}
	if res.StatusCode >= 500 {
		fail("status %d", res.StatusCode)
		return
	}
	// Markup is data in a CSV export (whose cells hold what forms saved):
	// escaping is HTML's.
	isHTML := !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv")
	if isHTML && strings.Contains(body, "<svg onload") || strings.Contains(res.Header.Get("Location"), "<svg") {
		fail("markup not escaped")
	}
	unchanged := true
	switch c.want {
	case refused:
		if res.StatusCode != http.StatusBadRequest {
			fail("status %d, want 400", res.StatusCode)
		} else if !visibleMessage(body) {
			fail("no message")
		}
		if c.badInput && !strings.Contains(body, i18n.T(i18n.JA, "err.bad_input")) {
			fail("not the bad-input message")
		}
	case wrongLogin:
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, i18n.T(i18n.JA, "err.login_invalid")) {
			fail("status %d, want 401 and the login's message", res.StatusCode)
		}
		if !rt.counters {
			fail("a wrong login on another route than the login")
		}
	case notFound:
		if res.StatusCode != http.StatusNotFound || !visibleMessage(body) {
			fail("status %d, want 404 with a message", res.StatusCode)
		}
	case flashed:
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") {
			fail("status %d → %q, want a redirect to a page with the message", res.StatusCode, loc)
			break
		}
		if _, page := cl.get(loc); !strings.Contains(page, `flash flash-error" role="alert"`) {
			t.Errorf("%s: the page after the redirect has no message:\n%.3000s", c.name, page)
		}
	case done, ignored:
		unchanged = c.want == ignored
		if res.StatusCode >= 400 {
			fail("status %d, want the form to work", res.StatusCode)
			break
		}
		if loc := res.Header.Get("Location"); loc != "" {
			if !localLocation(fx.e.srv.URL, loc) {
				fail("redirect to %q leaves the site", loc)
				break
			}
			if strings.HasPrefix(loc, "/") {
				if _, page := cl.get(loc); strings.Contains(page, "<svg onload") || strings.Contains(page, `flash-error`) {
					t.Errorf("%s: the page after the redirect shows markup or an error:\n%.3000s", c.name, page)
				}
			}
		}
	}
	if unchanged {
		if after := snapshot(); !maps.Equal(before, after) {
			for table := range before {
				// The consent callback, the one GET that acts (OAuth says
				// so), keeps its message in the session for the next page.
				// So does the login, which starts one.
				if table == "sessions" && (c.want == flashed || rt.counters) {
					continue
				}
				if before[table] != after[table] {
					fail("table %s changed", table)
				}
			}
		}
	}
}

// badPathIDs asks for the route with bad values in each ID of its path:
// 404, or 400 for bytes refused where the request comes in, and nothing
// saved. A POST sends the route's good form, so that only the ID is wrong.
func (fx *badInputFixture) badPathIDs(t *testing.T, rt badRoute) {
	t.Helper()
	for _, param := range []string{"tenantID", "userID", "cameraID", "connID", "tokenID", "txnID"} {
		if !strings.Contains(rt.pattern, "{"+param+"}") {
			continue
		}
		for _, bad := range []string{"0", "-1", "abc", "99999999999999999999", "1e3", "%20", "%3Cb%3E", "%E2%80%AE1", "%00", "%FF", "%2F..%2F"} {
			p := strings.ReplaceAll(rt.pattern, "{"+param+"}", bad)
			p = fx.path(badRoute{pattern: p})
			cl := fx.client(t, rt.who)
			before := pureSnapshot(t, fx.e)
			var res *http.Response
			var body string
			if rt.method == http.MethodGet {
				res, body = cl.get(p)
			} else {
				var form url.Values
				if rt.form != nil {
					form = rt.form(0)
				}
				res, body = cl.postForm(p, form)
			}
			want := http.StatusNotFound
			if bad == "%00" || bad == "%FF" {
				want = http.StatusBadRequest
			}
			if res.StatusCode != want || !visibleMessage(body) {
				t.Errorf("%s %s: %d, want %d with a message\n%.2000s", rt.method, p, res.StatusCode, want, body)
			}
			if after := pureSnapshot(t, fx.e); !maps.Equal(before, after) {
				t.Errorf("%s %s changed the tables", rt.method, p)
			}
		}
	}
}

// visibleMessage reports whether a page shows a message: an error page's,
// a form's or a field's, or the detail of the API's problem document.
var messagePattern = regexp.MustCompile(`(role="alert"[^>]*>\s*[^<\s]|class="field-error"[^>]*>\s*[^<\s]|<div class="card"><p>[^<]+</p>|^\{"type":"/problems/[^"]+".*"detail":"[^"]+")`)

func visibleMessage(body string) bool { return messagePattern.MatchString(body) }

func withoutLoginCounters(snap map[string]string) map[string]string {
	out := maps.Clone(snap)
	delete(out, "login_attempts")
	delete(out, "login_failures")
	return out
}
