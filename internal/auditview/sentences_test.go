package auditview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/i18n"
)

// sampleNames are the names the samples refer to.
var sampleNames = Names{
	cameras: map[int64]camera{7: {name: "レジ前カメラ", deviceID: "cam-7"}, 8: {name: "入口カメラ", deviceID: "cam-8"}},
	connections: map[int64]connection{
		3: {provider: "ubiregi", externalID: "9001", name: "カフェ本店"},
		4: {provider: "smaregi", externalID: "skabc123"},
	},
	users:   map[int64]user{21: {email: "owner@shop.example", role: "owner"}, 90: {email: "staff@poslink.example", role: "staff"}},
	tenants: map[int64]string{1: "カフェ"},
}

// entry is an entry as List reads it back: details through JSON.
func entry(t *testing.T, action, target, detailsJSON string) audit.Entry {
	t.Helper()
	e := audit.Entry{ID: 1, At: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Action: action, TenantID: 1, Target: target,
		Actor: audit.Actor{UserID: 21, Label: "owner@shop.example"}}
	if detailsJSON != "" {
		if err := json.Unmarshal([]byte(detailsJSON), &e.Details); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// The details each writer records (internal/tenancy, internal/link), and
// what each sentence must say in both languages.
var samples = []struct {
	action, target, details string
	ja, en                  string
}{
	{"tenant.create", "tenant:1", `{"name":"カフェ"}`,
		"テナント「カフェ」を作成しました。", "Created the tenant “カフェ”."},
	{"tenant.rename", "tenant:1", `{"from":"カフェ","to":"カフェ渋谷"}`,
		"テナント名を変更しました：「カフェ」 → 「カフェ渋谷」", "Renamed the tenant: “カフェ” → “カフェ渋谷”."},
	{"user.create", "user:21", `{"email":"owner@shop.example","role":"owner"}`,
		"オーナー owner@shop.example を追加しました。", "Added the owner owner@shop.example."},
	{"user.disable", "user:21", ``,
		"ユーザー owner@shop.example を利用停止にしました（利用中 → 停止中）。", "Suspended the user owner@shop.example (active → suspended)."},
	{"user.enable", "user:21", ``,
		"ユーザー owner@shop.example の利用を再開しました（停止中 → 利用中）。", "Reactivated the user owner@shop.example (suspended → active)."},
	{"user.set_password", "user:21", ``,
		"ユーザー owner@shop.example のパスワードを再設定しました。", "Set a new password for the user owner@shop.example."},
	{"camera.create", "camera:7", `{"device_id":"cam-7","name":"レジ前カメラ"}`,
		"カメラ「レジ前カメラ」（デバイスID cam-7）を追加しました。", "Added the camera “レジ前カメラ” (device ID cam-7)."},
	{"camera.update", "camera:7", `{"from":{"name":"レジ","model":""},"to":{"name":"レジ前カメラ","model":"CC-2L_SF"}}`,
		"カメラ「レジ前カメラ」を編集しました：名前 「レジ」 → 「レジ前カメラ」、機種 （なし） → CC-2L_SF",
		"Edited the camera “レジ前カメラ”: name “レジ” → “レジ前カメラ”; model (none) → CC-2L_SF."},
	{"camera.pos_option", "camera:7", `{"enabled":true,"usable_from":"2026-11-26","previous":{"enabled":false}}`,
		"カメラ「レジ前カメラ」のPOSレジ連携オプションを変更しました：無効 → 有効（2026/11/26 から利用可）",
		"Changed the POS link option of the camera “レジ前カメラ”: off → on (usable from 2026-11-26)."},
	{"link.create", "connection:3", `{"provider":"ubiregi","external_id":"9001","auth_kind":"oauth2"}`,
		"Ubiregi「カフェ本店」（アカウントID 9001）を連携しました。", "Linked Ubiregi “カフェ本店” (account ID 9001)."},
	{"link.update", "connection:4", `{"provider":"smaregi","external_id":"skabc123","auth_kind":"legacy_token","status":"update_required"}`,
		"スマレジ（契約ID skabc123）の連携情報を更新しました（状態：要更新）。",
		"Updated the connection details of Smaregi (contract ID skabc123) (state: update required)."},
	{"link.bind", "connection:3", `{"terminal":"0f1e-guid","terminal_name":"レジ1","camera_id":7,"previous_camera_id":0}`,
		"Ubiregi「カフェ本店」（アカウントID 9001）の端末「レジ1」をカメラ「レジ前カメラ」に紐づけました。",
		"Bound the terminal “レジ1” of Ubiregi “カフェ本店” (account ID 9001) to the camera “レジ前カメラ”."},
	{"link.bind", "connection:4", `{"terminal":"1:2","terminal_name":"","camera_id":8,"previous_camera_id":7}`,
		"スマレジ（契約ID skabc123）の端末「1:2」の紐づけ先のカメラを変更しました：カメラ「レジ前カメラ」 → カメラ「入口カメラ」",
		"Moved the terminal “1:2” of Smaregi (contract ID skabc123) to another camera: the camera “レジ前カメラ” → the camera “入口カメラ”."},
	{"link.unbind", "connection:3", `{"bindings_ended":3,"ended":[{"terminal":"a","terminal_name":"レジ1","camera_id":7},{"terminal":"b","terminal_name":"レジ2","camera_id":8}],"not_listed":1}`,
		"Ubiregi「カフェ本店」（アカウントID 9001）の端末 3 台の連携を解除しました：端末「レジ1」（カメラ「レジ前カメラ」）、端末「レジ2」（カメラ「入口カメラ」）、ほか 1 台",
		"Unbound 3 terminal(s) of Ubiregi “カフェ本店” (account ID 9001): the terminal “レジ1” (the camera “レジ前カメラ”), the terminal “レジ2” (the camera “入口カメラ”), and 1 more."},
	{"link.delete", "connection:4", `{"provider":"smaregi","external_id":"skabc123","bindings_ended":1,"ended":[{"terminal":"1:1","terminal_name":"レジA","camera_id":7}]}`,
		"スマレジ（契約ID skabc123）の連携を削除しました。終了した紐づけ（1 件）：端末「レジA」（カメラ「レジ前カメラ」）",
		"Deleted the link of Smaregi (contract ID skabc123). Bindings ended (1): the terminal “レジA” (the camera “レジ前カメラ”)."},
	{"link.delete", "connection:4", `{"provider":"smaregi","external_id":"skabc123","bindings_ended":0,"ended":[]}`,
		"スマレジ（契約ID skabc123）の連携を削除しました。", "Deleted the link of Smaregi (contract ID skabc123)."},
	{"link.status", "connection:3", `{"status":"reauth_required","detail":"refresh refused by Ubiregi: invalid_grant"}`,
		"Ubiregi「カフェ本店」（アカウントID 9001）の状態が「要再認証」になりました（詳細：refresh refused by Ubiregi: invalid_grant）。",
		"Ubiregi “カフェ本店” (account ID 9001) is now “re-authorization required” (detail: refresh refused by Ubiregi: invalid_grant)."},
	{"link.poll_requeued", "connection:3", `{"connection_id":3}`,
		"Ubiregi「カフェ本店」（アカウントID 9001）の取引の取得を、すぐに再試行するよう設定しました。",
		"Re-queued the polling of Ubiregi “カフェ本店” (account ID 9001) to try again now."},
	{"api_token.create", "api_token:5", `{"name":"事務所のビューア"}`,
		"ビューア用APIトークン「事務所のビューア」を発行しました（無期限）。", "Created the viewer API token “事務所のビューア” (no expiry)."},
	{"api_token.create", "api_token:6", `{"name":"viewer","expires_at":"2026-12-01T00:00:00+09:00"}`,
		"ビューア用APIトークン「viewer」を発行しました（有効期限 2026/12/01 00:00）。",
		"Created the viewer API token “viewer” (expires 2026-12-01 00:00)."},
	{"api_token.revoke", "api_token:5", `{"name":"事務所のビューア"}`,
		"ビューア用APIトークン「事務所のビューア」を失効させました（有効 → 失効）。",
		"Revoked the viewer API token “事務所のビューア” (active → revoked)."},
}

// Every known action reads as its own sentence in both languages, with
// what changed before → after and names for IDs; none falls back to the
// generic reading.
func TestEverySentenceInBothLanguages(t *testing.T) {
	told := map[string]bool{}
	for _, s := range samples {
		e := entry(t, s.action, s.target, s.details)
		for lang, want := range map[i18n.Lang]string{i18n.JA: s.ja, i18n.EN: s.en} {
			tl := teller{lang: lang, aud: Staff, n: sampleNames}
			got, ok := sentences[s.action](tl, e, details(e.Details))
			if !ok {
				t.Errorf("%s (%s): read generically: %q", s.action, lang, tl.generic(e, details(e.Details)))
				continue
			}
			if got != want {
				t.Errorf("%s (%s):\n got %s\nwant %s", s.action, lang, got, want)
			}
			if l := Lines(lang, Staff, []audit.Entry{e}, sampleNames); l[0].Text != got {
				t.Errorf("%s (%s): the line reads %q", s.action, lang, l[0].Text)
			}
		}
		told[s.action] = true
	}
	for _, a := range actions {
		if !told[a.name] {
			t.Errorf("action %s has no sample here", a.name)
		}
		for _, lang := range []i18n.Lang{i18n.JA, i18n.EN} {
			if name := ActionName(lang, a.name); name == a.name {
				t.Errorf("action %s has no name in %s", a.name, lang)
			}
		}
	}
}

// An entry no sentence can tell — an action of a newer writer, details an
// older writer recorded, details clipped — reads as its action and
// "key: value" pairs, IDs named, secrets masked: never JSON.
func TestGenericReading(t *testing.T) {
	for _, c := range []struct {
		name, action, target, details string
		lang                          i18n.Lang
		want                          string
	}{
		{"unknown action", "link.frobnicate", "connection:3", `{"camera_id":7,"count":2,"note":"x","ok":true,"list":["a","b"],"nested":{"k":"v"}}`, i18n.JA,
			"link.frobnicate：対象: Ubiregi「カフェ本店」（アカウントID 9001）、camera_id: カメラ「レジ前カメラ」、count: 2、list: [a、b]、nested: (k: v)、note: x、ok: はい"},
		{"unknown action in English", "link.frobnicate", "camera:8", `{"previous_camera_id":7,"empty":""}`, i18n.EN,
			"link.frobnicate: target: the camera “入口カメラ”, empty: (none), previous_camera_id: the camera “レジ前カメラ”"},
		{"known action lacking its details", "tenant.rename", "tenant:1", `{"name":"x"}`, i18n.JA,
			"テナント名変更：対象: カフェ、name: x"},
		{"clipped details", "link.unbind", "connection:3", `{"clipped":true,"bytes":55000,"keys":["count","terminals"]}`, i18n.EN,
			"Terminal unbound (details too large to keep: 55000 bytes, fields count, terminals)"},
		{"a secret that should never be there", "test.action", "", `{"client_secret":"s3cr3t","access_token":"t0k3n"}`, i18n.EN,
			"test.action: access_token: *****, client_secret: *****"},
		{"nothing at all", "test.action", "", ``, i18n.JA, "test.action"},
		{"an ID nothing has", "test.action", "camera:99", `{"connection_id":42}`, i18n.JA,
			"test.action：対象: ID 99 のカメラ、connection_id: ID 42 のPOS連携"},
	} {
		e := entry(t, c.action, c.target, c.details)
		got := Lines(c.lang, Staff, []audit.Entry{e}, sampleNames)[0].Text
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if strings.ContainsAny(got, "{}\"") || strings.Contains(got, "%!") {
			t.Errorf("%s: reads as raw data: %s", c.name, got)
		}
	}
}

// Owners read who of their own tenant made a change by e-mail, and
// support or the system otherwise, with the reason but no address, no
// tenant column and no technical detail of a link's state.
func TestOwnerReadsSupportAndReason(t *testing.T) {
	byOwner := entry(t, "user.set_password", "user:21", "")
	byOwner.Actor.Address = "192.0.2.1"
	byStaff := entry(t, "link.bind", "connection:3", `{"terminal":"a","terminal_name":"レジ1","camera_id":8,"previous_camera_id":7}`)
	byStaff.Actor = audit.Actor{UserID: 90, Label: "staff@poslink.example", Address: "198.51.100.9", Reason: "お客様から電話で依頼"}
	byCLI := entry(t, "camera.create", "camera:7", `{"device_id":"cam-7","name":"レジ前カメラ"}`)
	byCLI.Actor = audit.Actor{Label: "cli:root"}
	bySystem := entry(t, "link.status", "connection:3", `{"status":"reauth_required","detail":"refresh refused by Ubiregi: invalid_grant"}`)
	bySystem.Actor = audit.Actor{Label: "system:ubiregi"}
	entries := []audit.Entry{byOwner, byStaff, byCLI, bySystem}

	owner := Lines(i18n.JA, Owner, entries, sampleNames)
	for i, want := range []string{"owner@shop.example", "サポート", "サポート", "システム（自動処理）"} {
		if owner[i].Actor != want {
			t.Errorf("owner reads entry %d by %q, want %q", i, owner[i].Actor, want)
		}
		if owner[i].Address != "" || owner[i].Tenant != "" || owner[i].TenantID != 0 || owner[i].ActorID != 0 {
			t.Errorf("owner reads entry %d with staff's columns: %+v", i, owner[i])
		}
	}
	if owner[1].Reason != "お客様から電話で依頼" {
		t.Errorf("owner reads the reason as %q", owner[1].Reason)
	}
	if strings.Contains(owner[3].Text, "invalid_grant") || !strings.Contains(owner[3].Text, "「要再認証」") {
		t.Errorf("owner reads the state change as %q", owner[3].Text)
	}

	staff := Lines(i18n.EN, Staff, entries, sampleNames)
	if staff[1].Actor != "staff@poslink.example" || staff[1].Address != "198.51.100.9" || staff[1].ActorID != 90 ||
		staff[1].Tenant != "カフェ" || staff[1].Reason != "お客様から電話で依頼" {
		t.Errorf("staff read %+v", staff[1])
	}
	if staff[2].Actor != "cli:root" || !strings.Contains(staff[3].Text, "invalid_grant") {
		t.Errorf("staff read %+v and %+v", staff[2], staff[3])
	}

	// Names resolved without the tenant's scope still never show a staff
	// member's e-mail to an owner.
	if got := Lines(i18n.EN, Owner, []audit.Entry{byStaff}, sampleNames)[0].Actor; got != "Support" {
		t.Errorf("owner reads a staff member as %q", got)
	}
}

func TestActionChoices(t *testing.T) {
	var values []string
	for _, c := range ActionChoices(i18n.JA) {
		values = append(values, c.Value)
		if !IsChoice(c.Value) {
			t.Errorf("%s offered but not a choice", c.Value)
		}
		if c.Label == c.Value {
			t.Errorf("%s has no name", c.Value)
		}
	}
	if got := strings.Join(values[:4], " "); got != "tenant. user. camera. link." {
		t.Errorf("groups %s", got)
	}
	if len(values) != 5+len(actions) {
		t.Errorf("%d choices", len(values))
	}
	for _, bad := range []string{"", ".", "link", "link.bind.", "lin.", "link.nope", "LINK.", "tenant.create "} {
		if IsChoice(bad) {
			t.Errorf("%q is a choice", bad)
		}
	}
}
