package portal_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/link/ubiregilink"
	"github.com/poslink/poslink/internal/sim/fault"
	simubiregi "github.com/poslink/poslink/internal/sim/ubiregi"
)

var ubFaultFree = fault.Settings{}

func ubFaultLatency(d time.Duration) fault.Settings {
	return fault.Settings{Latency: fault.Duration(d)}
}

func ubFaultDown() fault.Settings { return fault.Settings{ErrorRate: 1} }

// ubGarbageServer is a "Ubiregi" that answers every request with a
// maintenance page.
func ubGarbageServer(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body>メンテナンス中です</body></html>")
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// ubConfig is the env's Ubiregi configuration at another base URL and
// with another timeout (zero: the default).
func (f *ubFixture) ubConfig(baseURL string, timeout time.Duration) ubiregilink.Config {
	info := f.e.sims.Info.Ubiregi
	return ubiregilink.Config{BaseURL: baseURL, ClientID: info.ClientID, ClientSecret: info.ClientSecret,
		RedirectURL: f.e.srv.URL + "/ubiregi/callback", HTTPClient: &http.Client{}, Timeout: timeout}
}

func ubSimAccount(login, password, name string, devices int) simubiregi.Account {
	return simubiregi.Account{Login: login, Password: password, Name: name, Devices: devices}
}

// ubLogs collects a portal's log lines; the portal writes them from its
// own goroutines, the test reads them.
type ubLogs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *ubLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *ubLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
