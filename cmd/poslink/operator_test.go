package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
	"github.com/poslink/poslink/internal/tenancy"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// cli runs poslink's commands against a test database of its own and reads
// that database back through the store.
type cli struct {
	t     *testing.T
	env   map[string]string
	pool  *pgxpool.Pool
	store *tenancy.Store
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	url := dbtest.NewURL(t)
	pool, err := db.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	c := &cli{t: t, env: map[string]string{"DATABASE_URL": url}, pool: pool}
	cfg, err := config.Parse("test", nil, c.lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.NewServices(pool, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Reads.Close)
	c.store = svc.Tenancy
	return c
}

func (c *cli) lookup(k string) (string, bool) {
	v, ok := c.env[k]
	return v, ok
}

// run runs `poslink args...` with stdin and returns what it wrote.
func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err = run(c.t.Context(), args, c.lookup, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("poslink %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// id reads the number after prefix in out, such as a new tenant's ID.
func (c *cli) id(out, prefix string) int64 {
	c.t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + ` (\d+)`).FindStringSubmatch(out)
	if m == nil {
		c.t.Fatalf("no %q ID in output %q", prefix, out)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// actorLabel is the audit label the commands must record in this process.
func (c *cli) actorLabel() string { return cliActor(user.Current, c.lookup).Label }

// snapshot is every row the operator's commands can change, so that a test
// can show a failed command saved nothing at all.
func (c *cli) snapshot() string {
	c.t.Helper()
	var b strings.Builder
	for _, table := range []string{"tenants", "users", "cameras", "audit_log"} {
		var rows string
		err := c.pool.QueryRow(context.Background(),
			fmt.Sprintf(`SELECT coalesce(string_agg(t::text, E'\n' ORDER BY id), '') FROM %s t`, table)).Scan(&rows)
		if err != nil {
			c.t.Fatalf("snapshot %s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s:\n%s\n", table, rows)
	}
	return b.String()
}

func TestCLIActorFallsBack(t *testing.T) {
	noUser := func() (*user.User, error) { return nil, errors.New("no passwd entry") }
	someone := func() (*user.User, error) { return &user.User{Username: "alice"}, nil }
	withUSER := func(k string) (string, bool) { return map[string]string{"USER": "bob"}[k], k == "USER" }
	none := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		current func() (*user.User, error)
		env     env
		want    string
	}{
		{someone, withUSER, "cli:alice"},
		{noUser, withUSER, "cli:bob"},
		{noUser, none, "cli:unknown"},
	} {
		if got := cliActor(tc.current, tc.env).Label; got != tc.want {
			t.Errorf("actor = %q, want %q", got, tc.want)
		}
	}
}

// Help needs no database: every group lists its operations and every
// operation its own flags and the common ones.
func TestOperatorHelp(t *testing.T) {
	noDB := func(string) (string, bool) { return "", false }
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"help"}, noDB, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"tenant", "user", "camera"} {
		if !strings.Contains(errOut.String(), "\n  "+cmd+" ") {
			t.Errorf("help does not list %s:\n%s", cmd, errOut.String())
		}
	}
	for name, ops := range map[string]map[string]operation{"tenant": tenantOps(), "user": userOps(), "camera": cameraOps()} {
		errOut.Reset()
		err := run(t.Context(), []string{name}, noDB, nil, &out, &errOut)
		if exitCode(err) != 2 {
			t.Errorf("poslink %s: exit %d (%v), want 2", name, exitCode(err), err)
		}
		groupUsage := errOut.String()
		for op := range ops {
			if !strings.Contains(groupUsage, "  "+op+" ") {
				t.Errorf("poslink %s usage does not list %s:\n%s", name, op, groupUsage)
			}
			errOut.Reset()
			err := run(t.Context(), []string{name, op, "-h"}, noDB, nil, &out, &errOut)
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("poslink %s %s -h: %v, want flag.ErrHelp", name, op, err)
			}
			if !strings.HasPrefix(errOut.String(), "usage: poslink "+name+" "+op+" ") {
				t.Errorf("poslink %s %s -h starts without its usage line:\n%s", name, op, errOut.String())
			}
			for _, f := range append([]string{"database-url"}, append(ops[op].required, ops[op].oneOf...)...) {
				if !regexp.MustCompile(`(?m)^  -` + f + `\b`).MatchString(errOut.String()) {
					t.Errorf("poslink %s %s -h does not show -%s:\n%s", name, op, f, errOut.String())
				}
			}
		}
	}
}

// Usage errors are found before the database is needed.
func TestOperatorWithoutDatabase(t *testing.T) {
	noDB := func(string) (string, bool) { return "", false }
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"tenant", "create"}, noDB, nil, &out, &errOut)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "needs --name") {
		t.Errorf("tenant create without --name: exit %d, %v", exitCode(err), err)
	}
	err = run(t.Context(), []string{"tenant", "create", "--name", "Acme"}, noDB, nil, &out, &errOut)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Errorf("tenant create without DATABASE_URL: exit %d, %v", exitCode(err), err)
	}
}

// Only serve, demo and `migrate up` migrate: an operator's command on a
// schema behind the binary says what to run, exits non-zero and leaves the
// schema as it was.
func TestOperatorRefusesSchemaBehind(t *testing.T) {
	c := newCLI(t)
	ctx := t.Context()
	latest, err := db.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.pool.Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = $1`, latest); err != nil {
		t.Fatal(err)
	}
	before := c.snapshot()
	_, _, err = c.run("", "tenant", "create", "--name", "Acme")
	if exitCode(err) != 1 || !errors.Is(err, app.ErrSchemaBehind) ||
		!strings.Contains(err.Error(), fmt.Sprintf("needs %d", latest)) || !strings.Contains(err.Error(), "poslink migrate up") {
		t.Fatalf("tenant create on a schema behind: exit %d, %v; want exit 1 naming `poslink migrate up`", exitCode(err), err)
	}
	if applied, err := db.AppliedVersion(ctx, c.pool); err != nil || applied >= latest {
		t.Fatalf("the command migrated: schema at %d (%v), was behind %d", applied, err, latest)
	}
	if c.snapshot() != before {
		t.Fatal("the refused command changed rows")
	}
}

// A database never migrated is behind too (not a confusing SQL error), and
// works once `migrate up` has run.
func TestOperatorRefusesEmptyDatabase(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"DATABASE_URL": dbtest.NewEmpty(t)}}
	_, _, err := c.run("", "tenant", "list")
	if !errors.Is(err, app.ErrSchemaBehind) || !strings.Contains(err.Error(), "at migration 0") {
		t.Fatalf("tenant list on an empty database: %v, want the schema-behind error", err)
	}
	pool, err := db.Open(t.Context(), c.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var migrated bool
	if err := pool.QueryRow(t.Context(), `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&migrated); err != nil || migrated {
		t.Fatalf("the refused command created the migrations table (%v)", err)
	}
	c.ok("", "migrate", "up")
	if out := c.ok("", "tenant", "create", "--name", "Acme"); !strings.Contains(out, "created") {
		t.Fatalf("tenant create after migrate up: %q", out)
	}
}
