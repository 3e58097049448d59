package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSupportDisableAndEnableOwner(t *testing.T) {
	e, c := staffEnv(t)
	ctx := context.Background()
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	owner := e.login(t, ownerEmail, ownerPW)

	postDone(t, c, userPath(tn.ID, u.ID, "disable"), nil, ownerEmail+" を利用停止にしました。")
	_, body := c.get(tenantPath(tn.ID))
	wantContains(t, body, "利用停止中", "利用再開")
	if got, _ := e.store.User(ctx, u.ID); !got.Disabled {
		t.Fatal("owner not disabled in the database")
	}
	// The owner's open session ends, and logging in again is refused.
	if res, _ := owner.get("/cameras"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled owner's session still serves /cameras: %d", res.StatusCode)
	}
	res, body := e.client(t).postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("disabled owner's login: %d, want 403", res.StatusCode)
	}
	wantContains(t, body, "このアカウントは利用停止中です。")

	postDone(t, c, userPath(tn.ID, u.ID, "enable"), nil, ownerEmail+" の利用を再開しました。")
	if got, _ := e.store.User(ctx, u.ID); got.Disabled {
		t.Fatal("owner still disabled in the database")
	}
	e.login(t, ownerEmail, ownerPW)

	log := e.auditLog(t)
	if log[0].Action != "user.enable" || log[1].Action != "user.disable" {
		t.Fatalf("audit actions %s, %s", log[0].Action, log[1].Action)
	}
	for _, a := range log[:2] {
		if a.Actor.Label != staffEmail || a.Actor.UserID == 0 || a.TenantID != tn.ID || a.Target != "user:"+supportID(u.ID) {
			t.Errorf("audit entry %+v", a)
		}
	}
}

func TestSupportSetsOwnerPassword(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "店")
	u := e.owner(t, tn.ID, ownerEmail, ownerPW)
	const newPW = "brand-new-secret-9"

	// Too short: refused with the message on that owner's row, nothing changed.
	before := e.rowCounts(t)
	body := postRefused(t, c, userPath(tn.ID, u.ID, "password"), url.Values{"password": {"short"}}, http.StatusBadRequest,
		"パスワードは8文字以上で入力してください。", ownerEmail)
	if strings.Contains(body, `value="short"`) {
		t.Error("the typed password came back in the page")
	}
	postRefused(t, c, userPath(tn.ID, u.ID, "password"), url.Values{"password": {""}}, http.StatusBadRequest, "入力してください。")
	if after := e.rowCounts(t); after != before {
		t.Errorf("rows changed: %s, then %s", before, after)
	}
	e.login(t, ownerEmail, ownerPW)

	postDone(t, c, userPath(tn.ID, u.ID, "password"), url.Values{"password": {newPW}}, ownerEmail+" のパスワードを再設定しました。")
	res, _ := e.client(t).postForm("/login", url.Values{"email": {ownerEmail}, "password": {ownerPW}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password after reset: %d, want 401", res.StatusCode)
	}
	e.login(t, ownerEmail, newPW)

	a := e.auditLog(t)[0]
	if a.Action != "user.set_password" || a.Actor.Label != staffEmail || a.Target != "user:"+supportID(u.ID) {
		t.Errorf("audit entry %+v", a)
	}
	assertNoSecretInAudit(t, e, newPW, ownerPW)
}

func TestSupportOwnerFormRefusesBadInput(t *testing.T) {
	e, c := staffEnv(t)
	tn := e.tenant(t, "店")
	e.owner(t, tn.ID, "taken@shop.example", ownerPW)
	other := e.tenant(t, "別の店")
	e.owner(t, other.ID, "elsewhere@shop.example", ownerPW)

	cases := []struct {
		name         string
		form         url.Values
		status       int
		message, val string
	}{
		{"empty e-mail", url.Values{"email": {""}, "password": {ownerPW}}, 400, "入力してください。", ""},
		{"invalid e-mail", url.Values{"email": {"not-an-address"}, "password": {ownerPW}}, 400,
			"メールアドレスの形式が正しくありません", `value="not-an-address"`},
		{"e-mail without domain dot", url.Values{"email": {"a@localhost"}, "password": {ownerPW}}, 400,
			"メールアドレスの形式が正しくありません", `value="a@localhost"`},
		{"too long e-mail", url.Values{"email": {strings.Repeat("a", 250) + "@x.example"}, "password": {ownerPW}}, 400,
			"メールアドレスは254文字以内で入力してください。", ""},
		{"duplicate e-mail", url.Values{"email": {"Taken@Shop.Example"}, "display_name": {"二人目"}, "password": {ownerPW}}, 409,
			"このメールアドレスはすでに使われています。", `value="二人目"`},
		{"e-mail of another tenant's owner", url.Values{"email": {"elsewhere@shop.example"}, "password": {ownerPW}}, 409,
			"このメールアドレスはすでに使われています。", ""},
		{"e-mail of staff", url.Values{"email": {staffEmail}, "password": {ownerPW}}, 409,
			"このメールアドレスはすでに使われています。", ""},
		{"too long name", url.Values{"email": {"new@shop.example"}, "display_name": {strings.Repeat("名", 101)}, "password": {ownerPW}}, 400,
			"100文字以内で入力してください。", `value="new@shop.example"`},
		{"control character in name", url.Values{"email": {"new@shop.example"}, "display_name": {"a\tb"}, "password": {ownerPW}}, 400,
			"使用できない文字が含まれています。", ""},
		{"empty password", url.Values{"email": {"new@shop.example"}, "password": {""}}, 400, "入力してください。", ""},
		{"short password", url.Values{"email": {"new@shop.example"}, "password": {"1234567"}}, 400,
			"パスワードは8文字以上で入力してください。", ""},
		{"too long password", url.Values{"email": {"new@shop.example"}, "password": {strings.Repeat("p", 257)}}, 400,
			"パスワードは256バイト以内で入力してください。", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.rowCounts(t)
			want := []string{"入力内容を確認してください。", tc.message}
			if tc.val != "" {
				want = append(want, tc.val)
			}
			body := postRefused(t, c, tenantPath(tn.ID)+"/owners", tc.form, tc.status, want...)
			if pw := tc.form.Get("password"); pw != "" && strings.Contains(body, pw) {
				t.Error("the typed password came back in the page")
			}
			if after := e.rowCounts(t); after != before {
				t.Errorf("rows changed: %s, then %s", before, after)
			}
		})
	}
	owners, err := e.store.Owners(context.Background(), tn.ID)
	if err != nil || len(owners) != 1 {
		t.Errorf("owners after refused forms: %d, %v", len(owners), err)
	}
}
