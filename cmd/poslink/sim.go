package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/poslink/poslink/internal/config"
)

// runSim runs the three simulators on their own ports, seeded as in the
// demo, until interrupted: for trying the APIs by hand and for load runs.
func runSim(ctx context.Context, args []string, e env, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("sim", args, e, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	sb, err := startSandbox(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSandbox(sb, log)
	// A banner: errors dropped, as printBanner's.
	_, _ = fmt.Fprintln(stdout, "\nposlink simulators are running")
	printSimulators(stdout, sb.Info)
	_, _ = fmt.Fprintf(stdout, "  control         %s  %s  %s\n\nPress Ctrl-C to stop.\n\n",
		sb.Info.Ubiregi.AdminURL, sb.Info.Smaregi.AdminURL, sb.Info.CameraCloud.AdminURL)
	if err := writeDemoJSON(cfg.DataDir, "", "", sb.Info); err != nil {
		log.Warn("write demo.json", "err", err)
	}
	<-ctx.Done()
	return nil
}
