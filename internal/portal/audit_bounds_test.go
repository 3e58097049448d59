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

// madeUpTerminals are n terminal keys of Ubiregi's shape that no account has.
func madeUpTerminals(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	return keys
}

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

// Issue 10, finding 6: deleting with one bound terminal and made-up keys
// deletes the one link and records that one, with its camera, in the
// append-only log — not every key the form sent (1,001 keys once made a
// 55 KB row that can never be deleted). More keys than any page ticks are
// refused with a message, and nothing changes.
func TestUbiregiUnbindRecordsWhatEnded(t *testing.T) {
	f := ubSetup(t)
	e := f.e
	_, conn := f.link(t, f.c, f.tenant.ID)
	ts := e.ubTerminals(t, f.tenant.ID, conn.ID)
	f.bindDone(t, conn.ID, ts[0], "レジ前カメラ", f.camA.ID)
	f.bindDone(t, conn.ID, ts[1], "入口カメラ", f.camB.ID)
	path := "/ubiregi/" + itoa(conn.ID) + "/unbind"

	before := e.linkCounts(t)
	postRefused(t, f.c, path, url.Values{"terminal": append(madeUpTerminals(1000), ts[0].Key)}, http.StatusBadRequest,
		"一度に削除できる連携設定は500件までです。")
	if after := e.linkCounts(t); after != before {
		t.Fatalf("a refused delete changed rows: %s, then %s", before, after)
	}

	postDone(t, f.c, path, url.Values{"terminal": append(madeUpTerminals(400), ts[0].Key)}, "1件の連携設定を削除しました。")
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
	keys := func(n int) []string {
		out := []string{"1:1"}
		for i := range n {
			out = append(out, fmt.Sprintf("9:%d", i+1))
		}
		return out
	}

	before := f.linkCounts(t)
	postRefused(t, f.c, path, url.Values{"terminal": keys(link.MaxUnbind)}, http.StatusBadRequest,
		"一度に削除できる連携設定は500件までです。")
	if after := f.linkCounts(t); after != before {
		t.Fatalf("a refused delete changed rows: %s, then %s", before, after)
	}

	postDone(t, f.c, path, url.Values{"terminal": keys(300)}, "1 件の連携設定を削除しました。")
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
