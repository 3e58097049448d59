package portal_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rowHTML is the markup of the list's row of transaction id, "" when the
// page does not list it.
func rowHTML(body string, id int64) string {
	return regexp.MustCompile(fmt.Sprintf(`(?s)<tr id="txn-%d".*?</tr>`, id)).FindString(body)
}

// A row whose still has no picture says why in words, in the page's
// language, beside the placeholder: fetching, no recording then, the
// camera cloud unreachable, not kept. A row with its picture says nothing.
func TestDashboardRowSaysWhyThereIsNoPicture(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant(t, "静止画の店")
	e.owner(t, tn.ID, ownerEmail, ownerPW)
	cam := e.camera(t, tn.ID, "cam-register", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	conn := e.stillConnection(t, tn.ID)
	// Sold an hour before the dashboard's now, then in the still's state
	// (the trigger makes a changed sale time pending again). キャンセル:
	// evidence, kept whenever it was sold.
	sale := func(kind, state string, img []byte) int64 {
		id := e.stillSale(t, tn.ID, conn, cam.ID, kind, "pending", nil)
		_, err := e.pool.Exec(t.Context(), `UPDATE pos_transactions SET sold_at = $2 WHERE id = $1`, id, testNow.Add(-time.Hour))
		if err == nil {
			_, err = e.pool.Exec(t.Context(), `UPDATE transaction_stills SET state = $2, image = $3::bytea,
				bytes = coalesce(octet_length($3::bytea), 0), due_at = 'infinity' WHERE transaction_id = $1`, id, state, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ready := sale("cancel", "ready", testJPEG(t))
	words := map[string][2]string{
		"pending":      {"映像を取得中です", "Fetching the picture"},
		"no_recording": {"この時刻の録画はありません", "No recording at that second"},
		"unreachable":  {"カメラクラウドに接続できません", "The camera cloud cannot be reached"},
		"evicted":      {"映像は保存されていません", "The picture was not kept"},
	}
	byState := map[string]int64{}
	for st := range words {
		byState[st] = sale("cancel", st, nil)
	}
	owner := e.login(t, ownerEmail, ownerPW)
	path := fmt.Sprintf("/cameras/%d/dashboard", cam.ID)

	res, ja := owner.get(path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, owner.base+path, nil)
	req.Header.Set("Accept-Language", "en")
	res, en := owner.do(req)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard in English: %d", res.StatusCode)
	}
	for st, id := range byState {
		for i, body := range []string{ja, en} {
			row := rowHTML(body, id)
			if row == "" {
				t.Fatalf("%s: row %d not listed", st, id)
			}
			want := words[st][i]
			if !strings.Contains(row, `data-still-state="`+st+`"`) || !strings.Contains(row, `class="dash-still-note dash-still-`+st+`">`+want) {
				t.Errorf("%s row (lang %d) does not say %q:\n%s", st, i, want, row)
			}
			if !strings.Contains(row, `alt="`+want) {
				t.Errorf("%s row's picture is not described as %q:\n%s", st, want, row)
			}
		}
	}
	if row := rowHTML(ja, ready); row == "" || strings.Contains(row, "dash-still-note") || !strings.Contains(row, `data-still-state="ready"`) {
		t.Errorf("the ready row:\n%s", row)
	}
}
