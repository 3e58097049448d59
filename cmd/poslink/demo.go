package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/poslink/poslink/internal/app"
	"github.com/poslink/poslink/internal/config"
	"github.com/poslink/poslink/internal/demo"
	"github.com/poslink/poslink/internal/pgembed"
	"github.com/poslink/poslink/internal/portal"
	"github.com/poslink/poslink/internal/secret"
	"github.com/poslink/poslink/internal/sim/sandbox"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/web/views"
)

// demoDatabase is the database the demo keeps in its private cluster.
const demoDatabase = "poslink"

// runDemo runs the portal on a private PostgreSQL under the data directory
// (unless DATABASE_URL is set), seeded with the demo tenant, with the
// Ubiregi, Smaregi and camera-cloud simulators in-process.
func runDemo(ctx context.Context, args []string, e env, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("demo", args, e, stderr)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	var cluster *pgembed.Cluster
	if cfg.DatabaseURL == "" {
		var url string
		if cluster, url, err = startDemoDatabase(ctx, cfg.DataDir, log); err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				log.Error("stop private PostgreSQL", "err", err)
			}
		}()
		cfg.DatabaseURL = url
	}

	// The portal's port first: the simulators need its URL for the OAuth
	// redirect.
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	// Serve closes the listener; closing it again on the way out only
	// reports that.
	defer func() { _ = ln.Close() }()
	portalURL := "http://" + ln.Addr().String()
	if cfg.BaseURL == "http://"+cfg.Addr {
		cfg.BaseURL = portalURL
	}
	sb, err := startSandbox(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSandbox(sb, log)
	useSandbox(&cfg, sb.Info)
	platform, err := sb.Smaregi.CreateContract(smaregisim.ContractSpec{ID: demo.SmaregiPlatformContractID,
		Stores: []smaregisim.StoreSpec{{Name: "池袋店", Terminals: len(demo.PlatformRegisters)}}})
	if err != nil {
		return fmt.Errorf("create the demo's Smaregi platform contract: %w", err)
	}
	if cfg.SecretKeys == nil {
		if cfg.SecretKeys, err = demoKeys(cfg.DataDir); err != nil {
			return err
		}
	}

	a, err := app.Open(ctx, cfg, log, app.Options{Demo: demoInfo(sb.Info)})
	if err != nil {
		return err
	}
	defer a.Close()
	seeded, err := demo.Seed(ctx, a.Tenancy)
	if err != nil {
		return err
	}
	if seeded.Created {
		log.Info("demo tenant seeded", "tenant_id", seeded.TenantID)
	}
	// A Smaregi link made the old way (契約ID + アクセストークン), so the demo
	// shows the notice and the move to the new credentials.
	if err := demo.SeedLegacySmaregi(ctx, a.Smaregi, a.Tenancy, seeded.TenantID,
		sb.Info.Smaregi.ContractID, sb.Info.Smaregi.LegacyAccessToken); err != nil {
		return err
	}
	// A working link on its own contract, two registers on the first
	// camera: sales flow in from the first minute.
	if err := demo.SeedSmaregiPlatform(ctx, a.Smaregi, a.Tenancy, seeded.TenantID, platform.ClientID, platform.ClientSecret); err != nil {
		return err
	}
	viewerToken, err := demo.ViewerToken(ctx, a.Tokens, seeded.TenantID, previousViewerToken(cfg.DataDir))
	if err != nil {
		return err
	}
	standIn := ""
	if cluster != nil && cluster.Relocated() {
		standIn = cluster.DataDir()
	}
	printBanner(stdout, portalURL, cfg.DataDir, standIn, viewerToken, sb.Info)
	if err := writeDemoJSON(cfg.DataDir, portalURL, viewerToken, sb.Info); err != nil {
		log.Warn("write demo.json", "err", err)
	}
	return serveDemo(ctx, a, ln, cluster, log)
}

// errDatabaseExited ends the demo when its private PostgreSQL is gone.
var errDatabaseExited = errors.New("the private PostgreSQL exited")

// serveDemo serves until ctx ends or, with a private database, until that
// database's server exits: the portal would only answer errors without it,
// so the demo stops and says so.
func serveDemo(ctx context.Context, a *app.App, ln net.Listener, cluster *pgembed.Cluster, log *slog.Logger) error {
	if cluster == nil {
		return a.Serve(ctx, ln)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-cluster.Done():
			log.Error("the private PostgreSQL exited; stopping the demo", "data", cluster.DataDir(), "log", cluster.LogPath())
			cancel(errDatabaseExited)
		case <-ctx.Done():
		}
	}()
	err := a.Serve(ctx, ln)
	if errors.Is(context.Cause(ctx), errDatabaseExited) {
		return errors.Join(fmt.Errorf("%w, so the demo stopped: %w", errDatabaseExited, cluster.Exited()), err)
	}
	return err
}

// startSandbox starts the three simulators on the configured addresses.
func startSandbox(ctx context.Context, cfg config.Config, log *slog.Logger) (*sandbox.Sandbox, error) {
	return sandbox.Start(ctx, sandbox.Options{
		Seed: cfg.SimSeed, UbiregiAddr: cfg.SimUbiregiAddr, SmaregiAddr: cfg.SimSmaregiAddr, CameraAddr: cfg.SimCameraAddr,
		UbiregiRedirectURIs: []string{cfg.BaseURL + portal.UbiregiCallbackPath},
		PortalURL:           cfg.BaseURL, Logger: log,
		// Grants the portal stored must still work after a restart.
		StateFile: filepath.Join(cfg.DataDir, "sim-state.json"),
	})
}

func closeSandbox(sb *sandbox.Sandbox, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sb.Close(ctx); err != nil {
		log.Error("stop simulators", "err", err)
	}
}

// useSandbox points the portal's provider settings at the simulators.
func useSandbox(cfg *config.Config, info sandbox.Info) {
	cfg.UbiregiURL = info.Ubiregi.BaseURL
	cfg.SmaregiIDURL = info.Smaregi.IDBaseURL
	cfg.SmaregiAPIURL = info.Smaregi.APIBaseURL
	cfg.SmaregiLegacyURL = info.Smaregi.LegacyBaseURL
	cfg.CameraURL = info.CameraCloud.BaseURL
	cfg.CameraAPIKey = config.Secret(info.CameraCloud.APIKey)
	cfg.UbiregiClientID = info.Ubiregi.ClientID
	cfg.UbiregiClientSecret = info.Ubiregi.ClientSecret
}

// demoKeys loads the demo's encryption key from the data directory, making
// it on the first run: the demo's sealed tokens must open after a restart.
func demoKeys(dataDir string) (*secret.Keyring, error) {
	path := filepath.Join(dataDir, "secret.keys")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := secret.NewKey("demo1")
		if err != nil {
			return nil, err
		}
		b = []byte(secret.Format(k) + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("write demo key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read demo key: %w", err)
	}
	kr, err := secret.ParseKeys(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("demo key %s: %w", path, err)
	}
	return kr, nil
}

// demoInfo is what the login page shows of the demo's accounts.
func demoInfo(info sandbox.Info) *views.DemoInfo {
	return &views.DemoInfo{
		OwnerEmail: demo.OwnerEmail, OwnerPassword: demo.OwnerPassword,
		StaffEmail: demo.StaffEmail, StaffPassword: demo.StaffPassword,
		UbiregiLogin: info.Ubiregi.Login, UbiregiPassword: info.Ubiregi.Password,
		SmaregiContractID: info.Smaregi.ContractID, SmaregiClientID: info.Smaregi.ClientID,
		SmaregiClientSecret: info.Smaregi.ClientSecret,
	}
}

// startDemoDatabase starts (initialising on first run) the private cluster
// in dataDir/pg and makes sure the demo database exists.
func startDemoDatabase(ctx context.Context, dataDir string, log *slog.Logger) (*pgembed.Cluster, string, error) {
	binDir, err := pgembed.EnsureBinaries(ctx, func(format string, args ...any) {
		log.Info(fmt.Sprintf(format, args...))
	})
	if err != nil {
		return nil, "", err
	}
	cluster, err := pgembed.Start(ctx, pgembed.Options{
		DataDir: filepath.Join(dataDir, "pg"), BinDir: binDir, Logger: log})
	if err != nil {
		return nil, "", err
	}
	if err := createDatabase(ctx, cluster.ConnString("postgres"), demoDatabase); err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return nil, "", errors.Join(err, cluster.Stop(stopCtx))
	}
	return cluster, cluster.ConnString(demoDatabase), nil
}

// createDatabase creates name unless it exists.
func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to private PostgreSQL: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }() // a short admin session: nothing to lose
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// printBanner says what runs where. standIn, when set, is where the private
// cluster lives because the postgres user cannot reach the data directory.
// The banner is for a person at a terminal: a failed write (the terminal
// gone) must not stop the demo, so its errors are dropped on purpose.
func printBanner(w io.Writer, url, dataDir, standIn, viewerToken string, info sandbox.Info) {
	_, _ = fmt.Fprintf(w, `
poslink demo is running

  portal          %s
  camera owner    %s / %s   (tenant %s)
  support staff   %s / %s
  viewer API      %s%s   Authorization: Bearer %s
`, url, demo.OwnerEmail, demo.OwnerPassword, demo.TenantName, demo.StaffEmail, demo.StaffPassword,
		url, portal.APIPrefix, viewerToken)
	printSimulators(w, info)
	_, _ = fmt.Fprintf(w, "  data            %s   (delete it to start over; var/demo.json has all of this)\n", dataDir)
	if standIn != "" {
		_, _ = fmt.Fprintf(w, "  database        %s\n"+
			"                  (the postgres user cannot reach %s, which links there)\n",
			standIn, filepath.Join(dataDir, "pg"))
	}
	_, _ = fmt.Fprint(w, "\nPress Ctrl-C to stop.\n\n")
}

// printSimulators prints the simulators' addresses and demo credentials,
// part of a banner (errors dropped, as printBanner's).
func printSimulators(w io.Writer, info sandbox.Info) {
	_, _ = fmt.Fprintf(w, `
  simulators (offline stand-ins for the real services)
  Ubiregi         %s   login %s / %s
  Smaregi         %s   契約ID %s
                  client ID %s
                  client secret %s
  camera cloud    %s   API key %s

`, info.Ubiregi.BaseURL, info.Ubiregi.Login, info.Ubiregi.Password,
		info.Smaregi.APIBaseURL, info.Smaregi.ContractID, info.Smaregi.ClientID, info.Smaregi.ClientSecret,
		info.CameraCloud.BaseURL, info.CameraCloud.APIKey)
}

// demoFile is var/demo.json: what the banner says, for scripts.
type demoFile struct {
	Portal string       `json:"portal,omitempty"`
	Owner  *demoAccount `json:"owner,omitempty"`
	Staff  *demoAccount `json:"staff,omitempty"`
	// ViewerToken is the demo owner's viewer API token (Bearer).
	ViewerToken string `json:"viewer_token,omitempty"`
	sandbox.Info
}

type demoAccount struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func writeDemoJSON(dataDir, portalURL, viewerToken string, info sandbox.Info) error {
	f := demoFile{Info: info, ViewerToken: viewerToken}
	if portalURL != "" {
		f.Portal = portalURL
		f.Owner = &demoAccount{demo.OwnerEmail, demo.OwnerPassword}
		f.Staff = &demoAccount{demo.StaffEmail, demo.StaffPassword}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, "demo.json"), append(b, '\n'), 0o644)
}

// previousViewerToken is the viewer token an earlier run wrote to
// var/demo.json, "" when there is none to read.
func previousViewerToken(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
	if err != nil {
		return ""
	}
	var f struct {
		ViewerToken string `json:"viewer_token"`
	}
	if json.Unmarshal(b, &f) != nil {
		return ""
	}
	return f.ViewerToken
}
