package poller

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/pos"
	smaregisim "github.com/poslink/poslink/internal/sim/smaregi"
)

// simChildEnv, when set to a number of contracts, makes the test binary
// the load benchmark's Smaregi simulator (see serveSimChild), so that the
// simulation's CPU and memory stay out of the poller's figures.
const simChildEnv = "POSLINK_BENCH_SMAREGI_CONTRACTS"

// simSeed seeds the simulator's synthetic contracts, in the child that
// serves them and in the benchmark that links them.
const simSeed = 2026

func simConfig(contracts int) smaregisim.Config {
	return smaregisim.Config{Seed: simSeed, Synthetic: smaregisim.Synthetic{Contracts: contracts}}
}

// serveSimChild serves the Smaregi simulator on a loopback port, on the
// real clock, with the synthetic range the environment asks for. It
// prints its URL and serves until its standard input closes.
func serveSimChild() int {
	n, err := strconv.Atoi(os.Getenv(simChildEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "smaregi simulator:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "smaregi simulator:", err)
		return 1
	}
	srv := &http.Server{Handler: smaregisim.New(simConfig(n)), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s\n", ln.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "smaregi simulator:", err)
		return 1
	}
	return 0
}

// simSource is the Smaregi simulator in a process of its own, read over
// HTTP by the Smaregi feeds of production (smaregilink) with the
// production HTTP client, each answer 50 ± 20 ms late.
type simSource struct {
	cmd   *exec.Cmd
	url   string
	local *smaregisim.Server // the same synthetic range, to read contracts without a request
	svc   *smaregilink.Service
	links *link.Store
	// next is the synthetic contract newLink links.
	mu   sync.Mutex
	next int
}

// newSimSource starts the simulator with room for n contracts and a few
// new links.
func newSimSource(b *testing.B, f *fixture, n int) *simSource {
	contracts := n + 10
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), simChildEnv+"="+strconv.Itoa(contracts))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	must(b, err)
	stdout, err := cmd.StdoutPipe()
	must(b, err)
	must(b, cmd.Start())
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	must(b, err)
	s := &simSource{cmd: cmd, url: strings.TrimSpace(line), local: smaregisim.New(simConfig(contracts)), links: f.links, next: n}
	s.svc = smaregilink.New(smaregilink.Config{IDBaseURL: s.url, APIBaseURL: s.url, LegacyBaseURL: s.url,
		HTTPClient: pos.NewHTTPClient(15 * time.Second)}, f.links)
	return s
}

func (s *simSource) feeds() Feeds { return Feeds{link.Smaregi: s.svc.Feed} }

// simulated is the simulator process's CPU time.
func (s *simSource) simulated() time.Duration {
	_, cpu, _ := procStat(s.cmd.Process.Pid)
	return cpu
}

func (s *simSource) simulatedApart() bool { return true }

// faults sets the simulator's latency: 30 ms plus up to 40 ms.
func (s *simSource) latency(b *testing.B, on bool) {
	body := `{"latency":"0s"}`
	if on {
		body = `{"latency":"30ms","jitter":"40ms"}`
	}
	req, err := http.NewRequest(http.MethodPut, s.url+"/_sim/faults", strings.NewReader(body))
	must(b, err)
	res, err := http.DefaultClient.Do(req)
	must(b, err)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("set the simulator's latency: %s", res.Status)
	}
}

// link links synthetic contract n to a tenant through the production
// flow (the simulator checks the credentials) and binds its registers to
// the camera.
func (s *simSource) link(ctx context.Context, n int, tenantID, cameraID int64) (int64, error) {
	c, err := s.local.SyntheticContract(n)
	if err != nil {
		return 0, err
	}
	conn, err := s.svc.Add(ctx, testActor, tenantID, smaregilink.Input{ContractID: c.ID, ClientID: c.ClientID, ClientSecret: c.ClientSecret})
	if err != nil {
		return 0, fmt.Errorf("link contract %d: %w", n, err)
	}
	for _, st := range c.Stores {
		for _, t := range st.Terminals {
			term := link.Terminal{Key: fmt.Sprintf("%d:%d", st.ID, t.ID), Name: t.Name, Store: st.Name}
			if err := s.links.Bind(ctx, testActor, tenantID, conn.ID, term, cameraID, link.AnyBinding); err != nil {
				return 0, fmt.Errorf("bind contract %d: %w", n, err)
			}
		}
	}
	return conn.ID, nil
}

// seed links n synthetic contracts to 100 tenants with a camera each,
// their cursors at now (the Smaregi feed's cursor: the update time it
// reads on from).
func (s *simSource) seed(b *testing.B, f *fixture, n int) []int64 {
	ctx := f.ctx
	benchTenants(b, f)
	rows, err := f.pool.Query(ctx, `SELECT t.id, c.id FROM tenants t JOIN cameras c ON c.tenant_id = t.id
		WHERE t.name LIKE 'bench %' ORDER BY t.id`)
	must(b, err)
	type place struct{ Tenant, Camera int64 }
	places, err := pgx.CollectRows(rows, pgx.RowToStructByPos[place])
	must(b, err)
	s.latency(b, false)
	ids := make([]int64, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			p := places[i%len(places)]
			id, err := s.link(gctx, i, p.Tenant, p.Camera)
			ids[i] = id
			return err
		})
	}
	must(b, g.Wait())
	cursor := fmt.Sprintf(`{"from":%q}`, time.Now().UTC().Format(time.RFC3339))
	_, err = f.pool.Exec(ctx, `UPDATE poll_states SET cursor = $1,
		due_at = now() + random() * interval '1 minute' WHERE connection_id = ANY($2)`, cursor, ids)
	must(b, err)
	s.latency(b, true)
	return ids
}

// newLink links the next synthetic contract, whose registers have sold
// since long before the backfill window, and binds them.
func (s *simSource) newLink(b *testing.B, f *fixture) int64 {
	s.mu.Lock()
	n := s.next
	s.next++
	s.mu.Unlock()
	id, err := s.link(f.ctx, n, f.tenant.ID, f.camA.ID)
	must(b, err)
	return id
}
