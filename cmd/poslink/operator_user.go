package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/tenancy"
)

func userOps() map[string]operation {
	return map[string]operation{
		"create-owner": createUserOp(tenancy.RoleOwner),
		"create-staff": createUserOp(tenancy.RoleStaff),
		"disable":      setDisabledOp(true),
		"enable":       setDisabledOp(false),
		"set-password": {
			summary: "replace a user's password (ends their sessions)", synopsis: "--email E (--password-stdin | --password P)",
			required: []string{"email"}, oneOf: passwordFlagNames,
			define: func(fs *flag.FlagSet) action {
				email := fs.String("email", "", "the user's e-mail address")
				readPassword := passwordFlags(fs)
				return func(ctx context.Context, c *call) error {
					pw, err := readPassword(c)
					if err != nil {
						return err
					}
					u, err := c.store.UserByEmail(ctx, *email)
					if err != nil {
						return notFound(err, "user %s", *email)
					}
					if err := c.store.SetPassword(ctx, c.actor, u.ID, pw); err != nil {
						return notFound(err, "user %s", u.Email)
					}
					c.printf(c.stdout, "password of user %d (%s) changed\n", u.ID, u.Email)
					return nil
				}
			},
		},
	}
}

// createUserOp is `user create-owner` or `user create-staff`, which differ
// only in the tenant an owner belongs to.
func createUserOp(role tenancy.Role) operation {
	op := operation{
		summary:  "add a support staff user",
		synopsis: "--email E [--name N] (--password-stdin | --password P)",
		required: []string{"email"},
		oneOf:    passwordFlagNames,
	}
	if role == tenancy.RoleOwner {
		op.summary = "add a camera owner to a tenant"
		op.synopsis = "--tenant ID " + op.synopsis
		op.required = append(op.required, "tenant")
	}
	op.define = func(fs *flag.FlagSet) action {
		var tenantID *int64
		if role == tenancy.RoleOwner {
			tenantID = fs.Int64("tenant", 0, "the ID of the owner's tenant")
		}
		email := fs.String("email", "", "the e-mail address the user logs in with")
		name := fs.String("name", "", "the name shown in the portal, at most 100 characters")
		readPassword := passwordFlags(fs)
		return func(ctx context.Context, c *call) error {
			pw, err := readPassword(c)
			if err != nil {
				return err
			}
			in := tenancy.UserInput{Email: *email, DisplayName: *name, Password: pw}
			if role == tenancy.RoleStaff {
				u, err := c.store.CreateStaff(ctx, c.actor, in)
				if err != nil {
					return err
				}
				c.printf(c.stdout, "staff user %d created: %s\n", u.ID, u.Email)
				return nil
			}
			u, err := c.store.CreateOwner(ctx, c.actor, *tenantID, in)
			if err != nil {
				return notFound(err, "tenant %d", *tenantID)
			}
			c.printf(c.stdout, "owner %d created: %s (tenant %d)\n", u.ID, u.Email, u.TenantID)
			return nil
		}
	}
	return op
}

// setDisabledOp is `user disable` or `user enable`.
func setDisabledOp(disabled bool) operation {
	verb, summary := "enabled", "let a disabled user log in again"
	if disabled {
		verb, summary = "disabled", "stop a user from logging in (ends their sessions)"
	}
	return operation{
		summary: summary, synopsis: "--email E", required: []string{"email"},
		define: func(fs *flag.FlagSet) action {
			email := fs.String("email", "", "the user's e-mail address")
			return func(ctx context.Context, c *call) error {
				u, err := c.store.UserByEmail(ctx, *email)
				if err != nil {
					return notFound(err, "user %s", *email)
				}
				if err := c.store.SetUserDisabled(ctx, c.actor, u.ID, disabled); err != nil {
					return notFound(err, "user %s", u.Email)
				}
				c.printf(c.stdout, "user %d (%s) %s\n", u.ID, u.Email, verb)
				return nil
			}
		},
	}
}

// passwordFlagNames are the two ways to give a password; exactly one is
// required.
var passwordFlagNames = []string{"password-stdin", "password"}

// passwordFlags registers --password and --password-stdin and returns what
// reads the password from the one given. --password-stdin exists because a
// flag's value is visible to every user of the machine in the process list.
func passwordFlags(fs *flag.FlagSet) func(c *call) (string, error) {
	pw := fs.String("password", "", "the password (visible in the process list and shell history: prefer --password-stdin)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	return func(c *call) (string, error) {
		if !*fromStdin {
			c.println(c.stderr, "poslink: warning: --password is visible in the process list and shell history; prefer --password-stdin")
			return *pw, nil
		}
		c.flagOf["password"] = "password-stdin"
		return readLine(c.stdin)
	}
}

// readLine reads the first line of r without its line ending. It reads at
// most a little more than the longest password, so that a stream without
// newlines cannot fill memory; a longer line fails the length check.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, password.MaxLength+3)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
