// Package sandbox runs the three simulators together on their own ports,
// seeded with what the demo needs: the Ubiregi account and OAuth client, the
// Smaregi contract (new and legacy credentials) and the demo's cameras. It
// serves `poslink demo` (in-process) and `poslink sim`.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/poslink/poslink/internal/sim/camcloud"
	"github.com/poslink/poslink/internal/sim/shop"
	"github.com/poslink/poslink/internal/sim/simclock"
	"github.com/poslink/poslink/internal/sim/smaregi"
	"github.com/poslink/poslink/internal/sim/ubiregi"
)

// Options says where the simulators listen and what they seed.
type Options struct {
	// Seed drives every simulated shop and credential: the same seed gives
	// the same demo data and secrets on every run.
	Seed uint64
	// Clock is shared by the three (nil: the real time).
	Clock *simclock.Clock
	// The listen addresses ("127.0.0.1:0" picks a free port).
	UbiregiAddr, SmaregiAddr, CameraAddr string
	// UbiregiRedirectURIs are registered for the demo OAuth client: the
	// portal's callback.
	UbiregiRedirectURIs []string
	// PortalURL is shown on Ubiregi's consent page as the app's website.
	PortalURL string
	// StateFile, when set, keeps what the simulators remember of their users
	// (Ubiregi's grants and consents) across runs: read at Start, written at
	// Close.
	StateFile string
	Logger    *slog.Logger
}

// The demo accounts' fixed credentials, printed at start.
const (
	UbiregiLogin        = "demo-ubiregi"
	UbiregiEmail        = "demo@ubiregi.example"
	UbiregiPassword     = "ubiregi-demo"
	UbiregiClientID     = "poslink-demo"
	UbiregiClientSecret = "poslink-demo-ubiregi-secret"
	SmaregiContractID   = "skdemo01"
	CameraAPIKey        = "poslink-demo-camera-api-key"
)

// DemoCameras are the camera cloud's devices of the demo tenant, whose
// device IDs the portal's demo cameras carry. The register camera records
// day and night (but for yesterday's power cut, DemoPowerCut); the
// entrance camera is switched off at night, so that the demo shows
// moments without a recording.
var DemoCameras = []camcloud.Device{
	{ID: "demo-cam-register", Name: "レジ前カメラ", Model: "CC-2L_SF", Night: camcloud.NightRecord},
	{ID: "demo-cam-entrance", Name: "入口カメラ", Model: "One (SF-1)", Night: camcloud.NightOffline},
	{ID: "demo-cam-backyard", Name: "バックヤードカメラ", Model: "CC-2_SF", Night: camcloud.NightRecord},
}

// DemoPowerCut is when the register camera had no power: yesterday from
// 14:00 to 14:40 in Tokyo, as seen from now.
func DemoPowerCut(now time.Time) camcloud.Gap {
	from := startOfDay(now).AddDate(0, 0, -1).Add(14 * time.Hour)
	return camcloud.Gap{From: from, To: from.Add(40 * time.Minute)}
}

// Sandbox is the three simulators, serving.
type Sandbox struct {
	Ubiregi *ubiregi.Server
	Smaregi *smaregi.Server
	Camera  *camcloud.Server
	Info    Info

	ubiregiAccount int64
	stateFile      string
	servers        []*http.Server
	wg             sync.WaitGroup
}

// Start builds, seeds and serves the simulators. Close stops them.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	clock := opts.Clock
	if clock == nil {
		clock = simclock.New()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Two weeks of history: enough to browse, little to page through.
	since := startOfDay(clock.Now().AddDate(0, 0, -14))
	sb := &Sandbox{
		Ubiregi: ubiregi.New(ubiregi.Config{Seed: opts.Seed, Clock: clock, Logger: log.With("sim", "ubiregi"), HistoryFrom: since}),
		Smaregi: smaregi.New(smaregi.Config{Seed: opts.Seed, Clock: clock, Logger: log.With("sim", "smaregi")}),
		Camera:  camcloud.New(camcloud.Config{Seed: opts.Seed, Clock: clock, Logger: log.With("sim", "camera")}),
	}
	if err := sb.seed(opts, since, clock.Now()); err != nil {
		return nil, err
	}
	sb.stateFile = opts.StateFile
	if err := sb.loadState(); err != nil {
		log.Warn("simulator state not restored", "file", opts.StateFile, "err", err)
	}
	urls := make([]string, 3)
	for i, l := range []struct {
		addr string
		h    http.Handler
	}{{opts.UbiregiAddr, sb.Ubiregi}, {opts.SmaregiAddr, sb.Smaregi}, {opts.CameraAddr, sb.Camera}} {
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", l.addr)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("simulator listen on %s: %w", l.addr, err), sb.Close(ctx))
		}
		urls[i] = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: l.h, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		sb.servers = append(sb.servers, srv)
		sb.wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("simulator stopped", "addr", ln.Addr().String(), "err", err)
			}
		})
	}
	sb.Info = sb.info(urls[0], urls[1], urls[2])
	return sb, nil
}

// Close stops the simulators, letting requests in flight finish while ctx
// allows.
func (sb *Sandbox) Close(ctx context.Context) error {
	var errs []error
	for _, srv := range sb.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	sb.wg.Wait()
	errs = append(errs, sb.saveState())
	return errors.Join(errs...)
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(shop.Tokyo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shop.Tokyo)
}

// seed creates the demo's accounts in the simulators.
func (sb *Sandbox) seed(opts Options, since, now time.Time) error {
	if err := sb.Ubiregi.RegisterClient(ubiregi.Client{
		ID: UbiregiClientID, Secret: UbiregiClientSecret, RedirectURIs: opts.UbiregiRedirectURIs,
		Name: "poslink", Developer: "poslink", Website: opts.PortalURL,
		Description: "カメラとPOSレジの連携ポータル",
	}); err != nil {
		return fmt.Errorf("register the demo Ubiregi client: %w", err)
	}
	acct, err := sb.Ubiregi.CreateAccount(ubiregi.Account{
		Login: UbiregiLogin, Email: UbiregiEmail, Password: UbiregiPassword,
		Name: "デモ店舗（ユビレジ）", Devices: 3, HistoryFrom: since,
	})
	if err != nil {
		return fmt.Errorf("create the demo Ubiregi account: %w", err)
	}
	sb.ubiregiAccount = acct.ID
	if _, err := sb.Smaregi.CreateContract(smaregi.ContractSpec{
		ID: SmaregiContractID, HistoryStart: since,
		Stores: []smaregi.StoreSpec{{Name: "渋谷店", Terminals: 2}, {Name: "新宿店", Terminals: 1}},
	}); err != nil {
		return fmt.Errorf("create the demo Smaregi contract: %w", err)
	}
	var ids []string
	for i, d := range DemoCameras {
		d.RecordingSince = since
		if i == 0 {
			d.Gaps = []camcloud.Gap{DemoPowerCut(now)}
		}
		if _, err := sb.Camera.PutDevice(d); err != nil {
			return fmt.Errorf("create demo camera %s: %w", d.ID, err)
		}
		ids = append(ids, d.ID)
	}
	if _, err := sb.Camera.CreateKey(camcloud.Key{Key: CameraAPIKey, Devices: ids}); err != nil {
		return fmt.Errorf("create the demo camera API key: %w", err)
	}
	return nil
}
