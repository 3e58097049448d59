package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"maps"
	"net/http"
	"strings"
	"testing"
)

// stillConnection is a POS connection of the tenant to hang transactions
// on (its credentials are never read here).
func (e *env) stillConnection(t *testing.T, tenantID int64) int64 {
	t.Helper()
	var id int64
	err := e.pool.QueryRow(context.Background(), `INSERT INTO pos_connections (tenant_id, provider, external_id, auth_kind, credentials)
		VALUES ($1::bigint, 'smaregi', 'skstill' || $1::bigint::text, 'client_credentials', '\x00') RETURNING id`, tenantID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// stillSale stores a sale of a minute ago on the camera, whose still the
// trigger makes pending; state other than pending sets it as the fetcher
// would have (ready with img).
func (e *env) stillSale(t *testing.T, tenantID, connID, cameraID int64, kind, state string, img []byte) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := e.pool.QueryRow(ctx, `INSERT INTO pos_transactions (tenant_id, connection_id, provider_txn_id, terminal_key, camera_id,
		sold_at, sold_utc_offset, kind, total, deposit, change, provider_updated_at, raw)
		VALUES ($1, $2, 'still-' || gen_random_uuid()::text, '1:1', $3, now() - interval '1 minute', 32400, $4, 1000, 1000, 0, now(), '{}')
		RETURNING id`, tenantID, connID, cameraID, kind).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if state != "pending" {
		_, err := e.pool.Exec(ctx, `UPDATE transaction_stills SET state = $2, image = $3::bytea, bytes = coalesce(octet_length($3::bytea), 0),
			fetched_at = now(), due_at = 'infinity' WHERE transaction_id = $1`, id, state, img)
		if err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// testJPEG is a small picture.
func testJPEG(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 32, 18))
	for i := range m.Pix {
		m.Pix[i] = 0x80
	}
	m.Set(3, 3, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stillPath(cameraID, txnID int64) string {
	return fmt.Sprintf("/cameras/%d/transactions/%d/still", cameraID, txnID)
}

// The still of a transaction comes from the portal's own origin: the JPEG
// with private cache headers and an ETag when it is stored, a placeholder
// per state otherwise; another tenant's transaction, or one on another
// camera, is not found; staff read any tenant's. Nothing is written.
func TestStillRoute(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "静止画の店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	cam2 := e.camera(t, tn.ID, "cam-entrance", "入口カメラ", testNow.AddDate(0, 0, -5))
	other := e.tenant(t, "別の店")
	e.owner(t, other.ID, "other@shop.example", "other-password-1")
	camOther := e.camera(t, other.ID, "cam-other", "他店カメラ", testNow.AddDate(0, 0, -5))
	e.staff(t, staffEmail, staffPW)
	conn := e.stillConnection(t, tn.ID)
	img := testJPEG(t)
	ready := e.stillSale(t, tn.ID, conn, cam.ID, "payment", "ready", img)
	byState := map[string]int64{"pending": e.stillSale(t, tn.ID, conn, cam.ID, "payment", "pending", nil)}
	for _, st := range []string{"no_recording", "unreachable", "evicted"} {
		byState[st] = e.stillSale(t, tn.ID, conn, cam.ID, "cancel", st, nil)
	}
	otherConn := e.stillConnection(t, other.ID)
	otherTxn := e.stillSale(t, other.ID, otherConn, camOther.ID, "payment", "ready", img)

	owner := e.login(t, ownerEmail, ownerPW)
	staff := e.login(t, staffEmail, staffPW)
	before := pureSnapshot(t, e)

	res, body := owner.get(stillPath(cam.ID, ready))
	h := res.Header
	if res.StatusCode != http.StatusOK || h.Get("Content-Type") != "image/jpeg" || body != string(img) {
		t.Fatalf("ready still: %d %s, %d bytes", res.StatusCode, h.Get("Content-Type"), len(body))
	}
	if cc := h.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") || h.Get("ETag") == "" || h.Get("X-Still-State") != "ready" {
		t.Fatalf("ready still's headers: %v", h)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	req, _ := http.NewRequest(http.MethodGet, owner.base+stillPath(cam.ID, ready), nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if res, body := owner.do(req); res.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("revalidation: %d, %d bytes", res.StatusCode, len(body))
	}

	placeholders := map[string]string{}
	for st, id := range byState {
		res, body := owner.get(stillPath(cam.ID, id))
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" ||
			res.Header.Get("X-Still-State") != st || !strings.HasPrefix(res.Header.Get("Cache-Control"), "private, max-age=") ||
			!strings.Contains(body, "<svg") || res.Header.Get("ETag") != "" {
			t.Errorf("%s: %d %v\n%s", st, res.StatusCode, res.Header, body)
		}
		placeholders[body] = st
	}
	if len(placeholders) != len(byState) {
		t.Errorf("the states share placeholders: %v", placeholders)
	}

	notFound := []string{
		stillPath(cam2.ID, ready),         // not on that camera
		stillPath(cam.ID, otherTxn),       // another tenant's transaction
		stillPath(camOther.ID, otherTxn),  // another tenant's camera
		stillPath(cam.ID, otherTxn+1000),  // none
		"/cameras/x/transactions/1/still", // not an ID
		fmt.Sprintf("/cameras/%d/transactions/0/still", cam.ID),
	}
	for _, p := range notFound {
		if res, body := owner.get(p); res.StatusCode != http.StatusNotFound || !visibleMessage(body) {
			t.Errorf("GET %s: %d, want 404 with a message", p, res.StatusCode)
		}
	}

	staffPath := cameraPath(tn.ID, cam.ID) + fmt.Sprintf("/transactions/%d/still", ready)
	if res, body := staff.get(staffPath); res.StatusCode != http.StatusOK || body != string(img) {
		t.Errorf("staff: %d", res.StatusCode)
	}
	if res, _ := staff.get(cameraPath(other.ID, cam.ID) + fmt.Sprintf("/transactions/%d/still", ready)); res.StatusCode != http.StatusNotFound {
		t.Errorf("staff, under another tenant: %d", res.StatusCode)
	}
	if res, _ := owner.get(staffPath); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("an owner on the staff's route: %d", res.StatusCode)
	}
	if res, _ := e.client(t).get(stillPath(cam.ID, ready)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", res.StatusCode)
	}
	if after := pureSnapshot(t, e); !maps.Equal(before, after) {
		t.Error("serving stills changed the tables")
	}
}
