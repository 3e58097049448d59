package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/sim/sandbox"
	"github.com/poslink/poslink/internal/tenancy"
)

const demoContract = sandbox.SmaregiContractID

// smaregiEnv is a portal with one owner logged in, three cameras (two
// usable, one usable only from the fourth day) and the Smaregi simulator's
// demo contract (渋谷店: 2 registers, 新宿店: 1) without a rate limit.
type smaregiEnv struct {
	*env
	tenant             tenancy.Tenant
	c                  *client
	cam, cam2, camWait tenancy.Camera
}

func newSmaregiEnv(t *testing.T) *smaregiEnv {
	t.Helper()
	e := newEnv(t)
	// The simulator counts requests per second of its frozen clock: a
	// test's many pages would all fall into one second.
	if err := e.sims.Smaregi.SetRateLimit(demoContract, -1); err != nil {
		t.Fatal(err)
	}
	tn := e.tenant(t, "スマレジの店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	f := &smaregiEnv{env: e, tenant: tn,
		cam:     e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5)),
		cam2:    e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5)),
		camWait: e.camera(t, tn.ID, "cam-backyard", "バックヤードカメラ", testNow.AddDate(0, 0, 3)),
	}
	f.c = e.login(t, ownerEmail, ownerPW)
	return f
}

// creds is the demo contract's add form with its current secret.
func (f *smaregiEnv) creds(t *testing.T) url.Values {
	t.Helper()
	c, ok := f.sims.Smaregi.Contract(demoContract)
	if !ok {
		t.Fatal("no demo contract")
	}
	return url.Values{"contract_id": {c.ID}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "memo": {"本店"}}
}

// add links the demo contract through the form and returns the link.
func (f *smaregiEnv) add(t *testing.T) link.Connection {
	t.Helper()
	res, body := f.c.postForm("/smaregi", f.creds(t))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: status %d; page:\n%s", res.StatusCode, body)
	}
	conns, err := f.links.Connections(context.Background(), f.tenant.ID, link.Smaregi)
	if err != nil || len(conns) != 1 {
		t.Fatalf("connections after add: %v, %v", conns, err)
	}
	if loc := res.Header.Get("Location"); loc != connPath(conns[0].ID, "") {
		t.Fatalf("add redirects to %s", loc)
	}
	return conns[0]
}

// bind posts a row's 追加 and fails unless it worked.
func (f *smaregiEnv) bind(t *testing.T, connID int64, store, terminal string, cameraID int64) {
	t.Helper()
	postDone(t, f.c, connPath(connID, "bind"), url.Values{"store_id": {store}, "terminal_id": {terminal},
		"camera_id": {itoa(cameraID)}, "binding": {f.seenOf(t, connID, store+":"+terminal)}}, "と連携しました")
}

func connPath(id int64, action string) string {
	p := "/smaregi/" + itoa(id)
	if action != "" {
		p += "/" + action
	}
	return p
}

// linkCounts is what linking can change, for checking that nothing was saved.
func (e *env) linkCounts(t *testing.T) string {
	t.Helper()
	var bound int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM terminal_bindings WHERE unbound_at IS NULL`).Scan(&bound); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := e.pool.QueryRow(context.Background(), `SELECT coalesce(sum(credentials_version), 0) FROM pos_connections`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("connections=%d bindings=%d bound=%d credential_versions=%d audit=%d", e.count(t, "pos_connections"),
		e.count(t, "terminal_bindings"), bound, versions, e.count(t, "audit_log"))
}

// bindings are the current bindings of a link as "key→camera".
func (e *env) bindings(t *testing.T, tenantID, connID int64) string {
	t.Helper()
	bs, err := e.links.Bindings(context.Background(), tenantID, connID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%s→%d", b.Terminal.Key, b.CameraID))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// wantNotContains fails if body holds any of secrets.
func wantNotContains(t *testing.T, what, body string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("%s holds a secret (%.6s…)", what, s)
		}
	}
}

// jst is the simulators' and the cut-over's zone.
var jst = time.FixedZone("JST", 9*3600)

func join(s []string) string { return strings.Join(s, " ") }
