package main

// The operator's commands (tenant, user, camera) do from scripts and at
// first setup what the support console does in the browser. Each group is a
// table of operations; runOperation is the one path every operation takes:
// parse flags, check the required ones, read the settings, connect (refusing
// a schema behind this binary), run, disconnect, and turn domain errors into
// one-line English messages.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os/user"
	"slices"
	"strings"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
)

func operatorCommands() map[string]command {
	return map[string]command{
		"tenant": group("tenant", "create, list and rename tenants", tenantOps()),
		"user":   group("user", "create owners and staff; disable, enable, set passwords", userOps()),
		"camera": group("camera", "register and list cameras; switch the POS option", cameraOps()),
		"smaregi": group("smaregi", "bring links of the old Smaregi API (契約ID + アクセストークン) over from the old system",
			smaregiOps()),
	}
}

// operation is one operator subcommand, such as `tenant create`.
type operation struct {
	summary string
	// synopsis shows the flags in the usage line, e.g. "--name NAME".
	synopsis string
	// required flags must be given (an empty value is then the store's
	// validation error, not a usage error).
	required []string
	// oneOf, when set, lists flags of which exactly one must be given.
	oneOf []string
	// define registers the operation's flags on fs and returns what runs
	// once they are parsed.
	define func(fs *flag.FlagSet) action
}

// action is an operation with its flags parsed.
type action func(ctx context.Context, c *call) error

// call is what an operation runs with.
type call struct {
	store   *tenancy.Store
	smaregi *smaregilink.Service
	actor   audit.Actor
	given   map[string]bool // flags on the command line
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	// flagOf names the flag of a store field where the two differ, so that
	// validation messages point at what the operator typed.
	flagOf map[string]string
	// printErr is the first failed write of the operation's output (a
	// closed pipe): the command fails with it rather than pretend.
	printErr error
}

// printf writes to w (stdout, stderr or a tabwriter on them), keeping the
// first failure for the command to report.
func (c *call) printf(w io.Writer, format string, args ...any) {
	if c.printErr == nil {
		_, c.printErr = fmt.Fprintf(w, format, args...)
	}
}

func (c *call) println(w io.Writer, args ...any) {
	if c.printErr == nil {
		_, c.printErr = fmt.Fprintln(w, args...)
	}
}

// group is a command whose first argument picks an operation from ops.
func group(name, summary string, ops map[string]operation) command {
	return command{summary: summary, run: func(ctx context.Context, args []string, e env, stdin io.Reader, stdout, stderr io.Writer) error {
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			groupUsage(stderr, name, ops)
			if len(args) == 0 {
				return fmt.Errorf("%w: %s needs an operation", errUsage, name)
			}
			return nil
		}
		op, ok := ops[args[0]]
		if !ok {
			groupUsage(stderr, name, ops)
			return fmt.Errorf("%w: unknown operation %q of %s", errUsage, args[0], name)
		}
		return runOperation(ctx, name+" "+args[0], op, args[1:], e, stdin, stdout, stderr)
	}}
}

// groupUsage tells how to call a group. Usage goes to stderr on the way to
// a usage error: a failed write there has nowhere better to be reported.
func groupUsage(w io.Writer, name string, ops map[string]operation) {
	_, _ = fmt.Fprintf(w, "usage: poslink %s <operation> [flags]   (poslink %s <operation> -h for its flags)\n\noperations:\n", name, name)
	for _, n := range slices.Sorted(maps.Keys(ops)) {
		_, _ = fmt.Fprintf(w, "  %-13s %s\n      %s\n", n, ops[n].summary, ops[n].synopsis)
	}
}

// runOperation parses args, connects to the database on the settings, runs
// op and disconnects.
func runOperation(ctx context.Context, name string, op operation, args []string, e env, stdin io.Reader, stdout, stderr io.Writer) error {
	// The operation's own flags and the common settings are defined on
	// separate sets, so that -h can show them apart, and merged into one for
	// parsing. The settings given are then handed to config.Parse, which
	// stays the only place that knows their defaults and variables.
	own := flag.NewFlagSet(name, flag.ContinueOnError)
	act := op.define(own)
	common := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, s := range config.Settings {
		common.String(s.Flag, s.Default, s.Help+" (env "+s.Env+")")
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, set := range []*flag.FlagSet{own, common} {
		set.SetOutput(stderr)
		set.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		// As flag's own usage output: nowhere better to report a failed write.
		_, _ = fmt.Fprintf(stderr, "usage: poslink %s %s\n\n", name, op.synopsis)
		own.PrintDefaults()
		_, _ = fmt.Fprintln(stderr, "\ncommon flags (a flag wins over its environment variable):")
		common.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s: %w", errUsage, name, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected arguments: %s", errUsage, name, strings.Join(fs.Args(), " "))
	}
	given := map[string]bool{}
	var settings []string
	fs.Visit(func(f *flag.Flag) {
		given[f.Name] = true
		if common.Lookup(f.Name) != nil {
			settings = append(settings, "--"+f.Name+"="+f.Value.String())
		}
	})
	if err := checkGiven(name, op, given); err != nil {
		return err
	}

	cfg, err := config.Parse(name, settings, e, stderr)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	// Only serve, demo and `migrate up` migrate: an operator's command on a
	// schema behind this binary refuses to run.
	svc, err := app.Connect(ctx, cfg, cfg.Logger(stderr), app.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	c := &call{store: svc.Tenancy, smaregi: svc.Smaregi, actor: cliActor(user.Current, e), given: given,
		stdin: stdin, stdout: stdout, stderr: stderr, flagOf: map[string]string{}}
	if err := act(ctx, c); err != nil {
		return explain(err, c.flagOf)
	}
	if c.printErr != nil {
		return fmt.Errorf("write the output: %w", c.printErr)
	}
	return nil
}

// checkGiven reports a missing required flag, or not exactly one of
// op.oneOf, as a usage error, before anything touches the database.
func checkGiven(name string, op operation, given map[string]bool) error {
	var missing []string
	for _, f := range op.required {
		if !given[f] {
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s needs %s (see -h)", errUsage, name, strings.Join(missing, " and "))
	}
	if len(op.oneOf) == 0 {
		return nil
	}
	n := 0
	for _, f := range op.oneOf {
		if given[f] {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: %s needs exactly one of --%s (see -h)", errUsage, name, strings.Join(op.oneOf, ", --"))
	}
	return nil
}

// cliActor is who the audit log records for the operator's commands: the
// OS user, as the command line has no portal login. current is user.Current,
// a parameter so that the fallbacks can be tested.
func cliActor(current func() (*user.User, error), e env) audit.Actor {
	name := ""
	if u, err := current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name, _ = e("USER")
	}
	if name == "" {
		name = "unknown"
	}
	return audit.Actor{Label: "cli:" + name}
}
