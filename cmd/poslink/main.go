// Command poslink is the camera–POS link portal: the server, a demo with its
// own database, migrations and the operator's commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	_ "time/tzdata" // the static binary needs Asia/Tokyo without system zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		// Help and the bare usage have been printed already.
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
			_, _ = fmt.Fprintln(os.Stderr, "poslink:", err) // exiting non-zero says it anyway
		}
		os.Exit(exitCode(err))
	}
}

// env is how run reads environment variables (os.LookupEnv in main).
type env func(string) (string, bool)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e env, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	cmds := map[string]command{
		"serve":   {"run the portal against DATABASE_URL (production)", runServe},
		"demo":    {"run the portal with a private PostgreSQL under ./var, the demo tenant and the simulators (what `make run` runs)", runDemo},
		"migrate": {"apply database migrations: migrate up | migrate status", runMigrate},
		"sim":     {"run the Ubiregi, Smaregi and camera-cloud simulators on their own ports", runSim},
		"worker":  {"run the transaction poller and background jobs against DATABASE_URL, without the portal", runWorker},
	}
	for name, c := range operatorCommands() {
		cmds[name] = c
	}
	return cmds
}

// run is the whole program, testable: it takes its arguments, environment
// and streams, and returns when ctx is done or the command ends.
func run(ctx context.Context, args []string, e env, stdin io.Reader, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	return c.run(ctx, args[1:], e, stdin, stdout, stderr)
}

var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// usage lists the commands on the way to a usage error: a failed write has
// nowhere better to be reported.
func usage(w io.Writer, cmds map[string]command) {
	_, _ = fmt.Fprintln(w, "usage: poslink <command> [flags]   (poslink <command> -h for its flags)")
	_, _ = fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, _ = fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}
