package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
)

// lastAudit is the newest audit entry and the size of its stored details.
func (e *env) lastAudit(t *testing.T) (audit.Entry, int) {
	t.Helper()
	entry := e.auditLog(t)[0]
	var size int
	if err := e.pool.QueryRow(context.Background(), `SELECT octet_length(details::text) FROM audit_log WHERE id = $1`,
		entry.ID).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return entry, size
}

// madeUpBindings are n binding IDs no binding has, after the seen ones.
func madeUpBindings(n int, seen ...string) []string {
	out := append([]string(nil), seen...)
	for i := range n {
		out = append(out, fmt.Sprint(900000+i))
	}
	return out
}

// Issue 10, finding 6: a delete records the links it ended, with their
// cameras, in the append-only log, and never what the form sent (1,001
// keys once made a 55 KB row that can never be deleted). More bindings than
// any page ticks are refused with a message; bindings that are not the
// link's are not found; either way nothing changes.
func TestUbiregiUnbindRecordsWhatEnded(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	f.bindDone(t, conn.ID, ts[0], "レジ前カメラ", f.camA.ID)
	f.bindDone(t, conn.ID, ts[1], "入口カメラ", f.camB.ID)
	path := "/ubiregi/" + itoa(conn.ID) + "/unbind"
	seen := e.seenOf(t, conn.ID, ts[0].Key)

	before := e.linkCounts(t)
	postRefused(t, f.c, path, url.Values{"binding": madeUpBindings(1000, seen)}, http.StatusBadRequest,
		"一度に削除できる連携設定は500件までです。")
	postRefused(t, f.c, path, url.Values{"binding": madeUpBindings(400, seen)}, http.StatusNotFound,
		"選択された端末の連携設定が見つかりません")
	if after := e.linkCounts(t); after != before {
		t.Fatalf("a refused delete changed rows: %s, then %s", before, after)
	}

	postDone(t, f.c, path, url.Values{"binding": {seen}}, "1件の連携設定を削除しました。")
	if got := e.ubBindings(t, f.tenant.ID, conn.ID); len(got) != 1 || got[ts[1].Key] != f.camB.ID {
		t.Fatalf("bindings after the delete: %v", got)
	}
	entry, size := e.lastAudit(t)
	want := fmt.Sprintf("map[bindings_ended:1 ended:[map[camera_id:%d terminal:%s terminal_name:%s]]]", f.camA.ID, ts[0].Key, ts[0].Name)
	if entry.Action != "link.unbind" || fmt.Sprint(entry.Details) != want {
		t.Errorf("audit entry %s %v, want %s", entry.Action, entry.Details, want)
	}
	if size > 300 {
		t.Errorf("the entry of one ended link takes %d bytes", size)
	}
}

// The same for the ticked rows of a Smaregi link.
func TestSmaregiUnbindRecordsWhatEnded(t *testing.T) {
	f := newSmaregiEnv(t)
	conn := f.add(t)
	f.bind(t, conn.ID, "1", "1", f.cam.ID)
	f.bind(t, conn.ID, "1", "2", f.cam2.ID)
	path := connPath(conn.ID, "unbind")
	seen := f.seenOf(t, conn.ID, "1:1")

	before := f.linkCounts(t)
	postRefused(t, f.c, path, url.Values{"binding": madeUpBindings(link.MaxUnbind, seen)}, http.StatusBadRequest,
		"一度に削除できる連携設定は500件までです。")
	postRefused(t, f.c, path, url.Values{"binding": madeUpBindings(300, seen)}, http.StatusNotFound, "見つかりません")
	if after := f.linkCounts(t); after != before {
		t.Fatalf("a refused delete changed rows: %s, then %s", before, after)
	}

	postDone(t, f.c, path, url.Values{"binding": {seen}}, "1 件の連携設定を削除しました。")
	if got := f.bindings(t, f.tenant.ID, conn.ID); got != "1:2→"+itoa(f.cam2.ID) {
		t.Fatalf("bindings after the delete: %s", got)
	}
	entry, size := f.lastAudit(t)
	want := fmt.Sprintf("map[bindings_ended:1 ended:[map[camera_id:%d terminal:1:1 terminal_name:レジ1]]]", f.cam.ID)
	if entry.Action != "link.unbind" || fmt.Sprint(entry.Details) != want {
		t.Errorf("audit entry %s %v, want %s", entry.Action, entry.Details, want)
	}
	if size > 300 {
		t.Errorf("the entry of one ended link takes %d bytes", size)
	}
}
