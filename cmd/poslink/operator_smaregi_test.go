package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poslink/poslink/internal/secret"
)

// An old-API link imported with its terminals: sealed token, bindings to
// the tenant's cameras, 要更新 since the cut-over has passed, audited as the
// OS user without the token.
func TestSmaregiImportLegacy(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	key, err := secret.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	c.env["POSLINK_SECRET_KEYS"] = secret.Format(key)
	ctx := context.Background()
	tenant := c.id(c.ok("", "tenant", "create", "--name", "旧スマレジの店"), "tenant")
	other := c.id(c.ok("", "tenant", "create", "--name", "Other"), "tenant")
	c.ok("", "camera", "create", "--tenant", fmt.Sprint(tenant), "--device-id", "cam-1", "--name", "レジ前")
	c.ok("", "camera", "pos", "--device-id", "cam-1", "--on", "--usable-from", "2025-01-01")
	c.ok("", "camera", "create", "--tenant", fmt.Sprint(other), "--device-id", "cam-other", "--name", "x")
	c.ok("", "camera", "pos", "--device-id", "cam-other", "--on", "--usable-from", "2025-01-01")

	const token = "legacy-token-0123456789abcdef"
	out := c.ok(token+"\n", "smaregi", "import-legacy", "--tenant", fmt.Sprint(tenant), "--contract", "skold01",
		"--access-token-stdin", "--memo", "本店", "--bind", "1:2=cam-1:レジ2")
	if !strings.Contains(out, "契約ID skold01, 1 terminal(s)") || !strings.Contains(out, "要更新") {
		t.Fatalf("import printed %q", out)
	}
	pool := c.pool
	var raw []byte
	var authKind, status string
	if err := pool.QueryRow(ctx, `SELECT credentials, auth_kind, status FROM pos_connections WHERE external_id = 'skold01'`).
		Scan(&raw, &authKind, &status); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) || authKind != "legacy_token" || status != "update_required" {
		t.Fatalf("stored link: kind %s, status %s, plaintext %v", authKind, status, bytes.Contains(raw, []byte(token)))
	}
	var bindings int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM terminal_bindings WHERE terminal_key = '1:2' AND unbound_at IS NULL`).Scan(&bindings)
	if bindings != 1 {
		t.Fatalf("%d bindings", bindings)
	}
	var leaked int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $1 || '%'`, token).Scan(&leaked)
	if leaked != 0 {
		t.Fatal("the access token is in the audit log")
	}

	// From a file, run again: the same link, no duplicate.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("", "smaregi", "import-legacy", "--tenant", fmt.Sprint(tenant), "--contract", "skold01", "--access-token-file", file)
	var links int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM pos_connections`).Scan(&links)
	if links != 1 {
		t.Fatalf("%d links after importing twice", links)
	}

	before := c.snapshot()
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{token, []string{"--tenant", fmt.Sprint(tenant), "--contract", "sk new!", "--access-token-stdin"}, "--contract"},
		{"", []string{"--tenant", fmt.Sprint(tenant), "--contract", "sknew", "--access-token-stdin"}, "--access-token-stdin"},
		{token, []string{"--tenant", "99999", "--contract", "sknew", "--access-token-stdin"}, "tenant 99999 not found"},
		{token, []string{"--tenant", fmt.Sprint(tenant), "--contract", "sknew", "--access-token-stdin", "--bind", "1:2=cam-other"}, "no camera with device ID \"cam-other\""},
		{token, []string{"--tenant", fmt.Sprint(tenant), "--contract", "sknew", "--access-token-stdin", "--bind", "1:x=cam-1"}, "--bind 1:x=cam-1"},
		{"", []string{"--tenant", fmt.Sprint(tenant), "--contract", "sknew", "--access-token-file", "/nonexistent/token"}, "--access-token-file"},
	} {
		_, errOut, err := c.run(tc.stdin, append([]string{"smaregi", "import-legacy"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error()+errOut, tc.want) {
			t.Errorf("%v: err %v, stderr %q; want %q", tc.args, err, errOut, tc.want)
		}
	}
	for _, bad := range [][]string{
		{"--tenant", "1", "--contract", "x"}, // no token source
		{"--tenant", "1", "--contract", "x", "--access-token-stdin", "--access-token-file", "f"},
		{"--tenant", "1", "--contract", "x", "--access-token-stdin", "--bind", "nonsense"},
	} {
		if _, _, err := c.run("t", append([]string{"smaregi", "import-legacy"}, bad...)...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d, want a usage error", bad, exitCode(err))
		}
	}
	if after := c.snapshot(); after != before {
		t.Fatal("refused imports changed the database")
	}
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM pos_connections`).Scan(&links)
	if links != 1 {
		t.Fatalf("refused imports left %d links", links)
	}
}

// An import that fails at its second terminal leaves nothing: no link, no
// binding, no audit entry.
func TestSmaregiImportLegacyFailingMidwaySavesNothing(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	key, err := secret.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	c.env["POSLINK_SECRET_KEYS"] = secret.Format(key)
	tenant := c.id(c.ok("", "tenant", "create", "--name", "旧スマレジの店"), "tenant")
	c.ok("", "camera", "create", "--tenant", fmt.Sprint(tenant), "--device-id", "cam-1", "--name", "レジ前")
	c.ok("", "camera", "pos", "--device-id", "cam-1", "--on", "--usable-from", "2025-01-01")
	for _, q := range []string{
		`CREATE FUNCTION test_fail_binding() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure'; END; $$`,
		`CREATE TRIGGER test_fail_binding BEFORE INSERT ON terminal_bindings FOR EACH ROW
		WHEN (NEW.terminal_key = '1:3') EXECUTE FUNCTION test_fail_binding()`,
	} {
		if _, err := c.pool.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	before := c.snapshot()
	_, _, err = c.run("legacy-token-0123456789abcdef\n", "smaregi", "import-legacy", "--tenant", fmt.Sprint(tenant),
		"--contract", "skold01", "--access-token-stdin", "--bind", "1:2=cam-1", "--bind", "1:3=cam-1")
	if err == nil {
		t.Fatal("an import whose second binding failed succeeded")
	}
	var links, bindings int
	if err := c.pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM pos_connections), (SELECT count(*) FROM terminal_bindings)`).
		Scan(&links, &bindings); err != nil {
		t.Fatal(err)
	}
	if links != 0 || bindings != 0 || c.snapshot() != before {
		t.Fatalf("the failed import left %d links, %d bindings, or audit entries", links, bindings)
	}
}
