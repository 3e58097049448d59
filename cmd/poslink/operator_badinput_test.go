package main

import (
	"fmt"
	"strings"
	"testing"
)

// Every bad input fails with a one-line message naming the problem and
// leaves the database exactly as it was. Exit code 2 is a usage error
// (found before the database is opened), 1 a refusal by the store.
func TestOperatorBadInput(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	tenant := fmt.Sprint(c.seed())
	long := strings.Repeat("x", 101)
	const (
		badEmail    = "--email: Not a valid e-mail address (e.g. owner@example.com)."
		shortStdin  = "--password-stdin: At least 8 characters."
		badDeviceID = "--device-id: Use up to 64 letters, digits, hyphens and underscores."
		// U+202E shows what follows backwards; NUL is refused by PostgreSQL.
		bidi       = "Invisible text-direction control characters are not allowed."
		notAllowed = "Contains characters that are not allowed."
	)
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		// tenant
		{"", []string{"tenant", "create", "--name", ""}, 1, "--name: Required."},
		{"", []string{"tenant", "create", "--name", "   "}, 1, "--name: Required."},
		{"", []string{"tenant", "create", "--name", long}, 1, "--name: At most 100 characters."},
		{"", []string{"tenant", "create", "--name", "a\x07b"}, 1, "--name: Contains characters that are not allowed."},
		{"", []string{"tenant", "create"}, 2, "tenant create needs --name"},
		{"", []string{"tenant", "create", "--name", "A", "extra"}, 2, "unexpected arguments: extra"},
		{"", []string{"tenant", "create", "--nmae", "A"}, 2, "flag provided but not defined: -nmae"}, //nolint:misspell // a mistyped flag on purpose
		{"", []string{"tenant", "frobnicate"}, 2, `unknown operation "frobnicate" of tenant`},
		{"", []string{"tenant", "rename", "--id", "424242", "--name", "B"}, 1, "tenant 424242 not found"},
		{"", []string{"tenant", "rename", "--id", tenant, "--name", ""}, 1, "--name: Required."},
		{"", []string{"tenant", "rename", "--name", "B"}, 2, "tenant rename needs --id"},
		{"", []string{"tenant", "rename", "--id", "seven", "--name", "B"}, 2, `invalid value "seven" for flag -id`},
		{"", []string{"tenant", "create", "--name", "gpj.\u202Eexe"}, 1, "--name: " + bidi},
		{"", []string{"tenant", "create", "--name", "a\x00b"}, 1, "--name: " + notAllowed},
		{"", []string{"tenant", "rename", "--id", tenant, "--name", "\u2066Seed\u2069"}, 1, "--name: " + bidi},
		{"", []string{"tenant", "list", "--query", "Seed\x00"}, 1, "--query: " + notAllowed},
		{"", []string{"tenant", "list", "--query", "Seed\xff"}, 1, "--query: " + notAllowed},
		{"", []string{"tenant", "list", "--query", "\u202ESeed"}, 1, "--query: " + bidi},
		{"", []string{"tenant", "list", "--query", strings.Repeat("q", 255)}, 1, "--query: Too long."},
		// user
		{"secret-123\n", []string{"user", "create-owner", "--tenant", tenant, "--email", "ow\u202Ener@example.com", "--password-stdin"}, 1,
			"--email: " + bidi},
		{"secret-123\n", []string{"user", "create-staff", "--email", "new@example.com", "--name", "Sta\u202Eff", "--password-stdin"}, 1,
			"--name: " + bidi},
		{"secret-123\n", []string{"user", "create-staff", "--email", "new@example.com", "--name", "St\x00aff", "--password-stdin"}, 1,
			"--name: " + notAllowed},
		{"", []string{"user", "disable", "--email", "owner\x00@example.com"}, 1, "--email: " + notAllowed},
		{"", []string{"user", "enable", "--email", "owner\xff@example.com"}, 1, "--email: " + notAllowed},
		{"secret-123\n", []string{"user", "set-password", "--email", "owner\u202E@example.com", "--password-stdin"}, 1, "--email: " + bidi},
		{"secret-123\n", []string{"user", "create-owner", "--tenant", "424242", "--email", "new@example.com", "--password-stdin"}, 1, "tenant 424242 not found"},
		{"secret-123\n", []string{"user", "create-owner", "--tenant", tenant, "--email", "not-an-address", "--password-stdin"}, 1, badEmail},
		{"secret-123\n", []string{"user", "create-owner", "--tenant", tenant, "--email", "owner@localhost", "--password-stdin"}, 1, badEmail},
		{"secret-123\n", []string{"user", "create-owner", "--tenant", tenant, "--email", "OWNER@example.com", "--password-stdin"}, 1,
			"--email: This e-mail address is already in use."},
		{"short\n", []string{"user", "create-owner", "--tenant", tenant, "--email", "new@example.com", "--password-stdin"}, 1, shortStdin},
		{"", []string{"user", "create-owner", "--tenant", tenant, "--email", "new@example.com", "--password-stdin"}, 1, "--password-stdin: Required."},
		{"", []string{"user", "create-owner", "--tenant", tenant, "--email", "new@example.com", "--password", "short"}, 1, "--password: At least 8 characters."},
		{"", []string{"user", "create-owner", "--tenant", tenant, "--email", "new@example.com", "--password", "p", "--password-stdin"}, 2,
			"needs exactly one of --password-stdin, --password"},
		{"", []string{"user", "create-owner", "--tenant", tenant, "--email", "new@example.com"}, 2, "needs exactly one of --password-stdin, --password"},
		{"secret-123\n", []string{"user", "create-owner", "--email", "new@example.com", "--password-stdin"}, 2, "user create-owner needs --tenant"},
		{"secret-123\n", []string{"user", "create-staff", "--email", "new@example.com", "--name", long, "--password-stdin"}, 1, "--name: At most 100 characters."},
		{"x\n", []string{"user", "create-staff", "--email", "bad", "--password-stdin"}, 1, badEmail + "; " + shortStdin},
		{"secret-123\n", []string{"user", "create-staff", "--tenant", tenant, "--email", "new@example.com", "--password-stdin"}, 2,
			"flag provided but not defined: -tenant"},
		{"", []string{"user", "disable", "--email", "nobody@example.com"}, 1, "user nobody@example.com not found"},
		{"", []string{"user", "enable"}, 2, "user enable needs --email"},
		{"secret-123\n", []string{"user", "set-password", "--email", "nobody@example.com", "--password-stdin"}, 1, "user nobody@example.com not found"},
		{"short\n", []string{"user", "set-password", "--email", "owner@example.com", "--password-stdin"}, 1, shortStdin},
		{strings.Repeat("p", 300) + "\n", []string{"user", "set-password", "--email", "owner@example.com", "--password-stdin"}, 1,
			"--password-stdin: At most 256 bytes."},
		// camera
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "bad id!", "--name", "N"}, 1, badDeviceID},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", strings.Repeat("d", 65), "--name", "N"}, 1, badDeviceID},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "CAM-1", "--name", "N"}, 1,
			"--device-id: A camera with this device ID is already registered."},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "CAM-2", "--name", ""}, 1, "--name: Required."},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "", "--name", "", "--model", long}, 1,
			"--device-id: Required.; --model: At most 100 characters.; --name: Required."},
		{"", []string{"camera", "create", "--tenant", "424242", "--device-id", "CAM-2", "--name", "N"}, 1, "tenant 424242 not found"},
		{"", []string{"camera", "create", "--tenant", tenant, "--name", "N"}, 2, "camera create needs --device-id"},
		{"", []string{"camera", "create"}, 2, "camera create needs --tenant and --device-id and --name"},
		{"", []string{"camera", "list", "--tenant", "424242"}, 1, "tenant 424242 not found"},
		{"", []string{"camera", "list"}, 2, "camera list needs --tenant"},
		{"", []string{"camera", "pos", "--device-id", "CAM-1", "--on", "--usable-from", "2026-13-01"}, 1, "--usable-from: Enter a date as YYYY-MM-DD."},
		{"", []string{"camera", "pos", "--device-id", "CAM-1", "--on", "--usable-from", ""}, 1, "--usable-from: Enter a date as YYYY-MM-DD."},
		{"", []string{"camera", "pos", "--device-id", "CAM-1", "--on", "--usable-from", "tomorrow"}, 1, "--usable-from: Enter a date as YYYY-MM-DD."},
		{"", []string{"camera", "pos", "--device-id", "NOPE", "--on"}, 1, "camera with device ID NOPE not found"},
		{"", []string{"camera", "pos", "--device-id", "NOPE", "--off"}, 1, "camera with device ID NOPE not found"},
		{"", []string{"camera", "pos", "--device-id", "CAM-1", "--on", "--off"}, 2, "needs exactly one of --on, --off"},
		{"", []string{"camera", "pos", "--device-id", "CAM-1"}, 2, "needs exactly one of --on, --off"},
		{"", []string{"camera", "pos", "--device-id", "CAM-1", "--off", "--usable-from", "2030-01-01"}, 2, "--usable-from goes with --on only"},
		{"", []string{"camera", "pos", "--on"}, 2, "camera pos needs --device-id"},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "CAM-2", "--name", "N", "--model", "CC\u202E2"}, 1, "--model: " + bidi},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "CAM-2", "--name", "N\x00"}, 1, "--name: " + notAllowed},
		{"", []string{"camera", "create", "--tenant", tenant, "--device-id", "CAM\x002", "--name", "N"}, 1, badDeviceID},
		{"", []string{"camera", "pos", "--device-id", "CAM-1\x00", "--on"}, 1, badDeviceID},
		{"", []string{"camera", "pos", "--device-id", "CAM-1\u202E", "--off"}, 1, badDeviceID},
		// smaregi
		{"tok\n", []string{"smaregi", "import-legacy", "--tenant", tenant, "--contract", "skold", "--access-token-stdin", "--memo", "本店\u202E"}, 1,
			"--memo: " + bidi},
		{"tok\n", []string{"smaregi", "import-legacy", "--tenant", tenant, "--contract", "skold", "--access-token-stdin", "--memo", "本\x00店"}, 1,
			"--memo: " + notAllowed},
		{"tok\n", []string{"smaregi", "import-legacy", "--tenant", tenant, "--contract", "skold", "--access-token-stdin", "--bind", "1:1=CAM-1:レジ\u202E1"}, 1,
			`--bind "1:1=CAM-1:レジ\u202e1": ` + bidi},
		{"tok\n", []string{"smaregi", "import-legacy", "--tenant", tenant, "--contract", "skold", "--access-token-stdin", "--bind", "1:1=CAM\x001"}, 1,
			`--bind "1:1=CAM\x001": Use up to 64 letters`},
		{"tok\n", []string{"smaregi", "import-legacy", "--tenant", tenant, "--contract", "sk\u202Eold", "--access-token-stdin"}, 1,
			"--contract: "},
	} {
		before := c.snapshot()
		_, _, err := c.run(tc.stdin, tc.args...)
		name := strings.Join(tc.args, " ")
		switch {
		case err == nil:
			t.Errorf("poslink %s succeeded, want exit %d", name, tc.code)
			continue
		case exitCode(err) != tc.code:
			t.Errorf("poslink %s: exit %d, want %d (%v)", name, exitCode(err), tc.code, err)
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("poslink %s: %q, want %q in it", name, err, tc.want)
		case strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "err."):
			t.Errorf("poslink %s: %q is not one clear line", name, err)
		}
		if after := c.snapshot(); after != before {
			t.Errorf("poslink %s changed the database:\nbefore %s\nafter %s", name, before, after)
		}
	}
}
