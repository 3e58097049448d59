package config

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Parse("serve", nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.TimeZone.String() != "Asia/Tokyo" ||
		c.SessionIdle != 2*time.Hour || c.DataDir != "./var" || !c.Poller ||
		c.PollInterval != time.Minute || c.PollConcurrency != 32 || c.PollAccountRate != 4 || c.Backfill != 72*time.Hour ||
		c.WorkerAddr != "127.0.0.1:8081" || !c.Stills || c.StillsConcurrency != 8 || c.StillsCacheBytes != 1<<30 ||
		c.StillsPaymentWindow != 72*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagWinsOverEnv(t *testing.T) {
	c, err := Parse("serve", []string{"--addr", ":9000"}, envOf(map[string]string{
		"POSLINK_ADDR": ":7000", "POSLINK_BASE_URL": "https://poslink.example/", "DATABASE_URL": "postgres://x"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.BaseURL != "https://poslink.example" || c.DatabaseURL != "postgres://x" {
		t.Fatalf("got %+v", c)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	_, err := Parse("serve", nil, envOf(map[string]string{
		"POSLINK_TIMEZONE": "Mars/Olympus", "POSLINK_LOG_LEVEL": "loud", "POSLINK_LOG_FORMAT": "xml",
		"POSLINK_SESSION_IDLE": "-1h", "POSLINK_TRUST_PROXY": "maybe", "POSLINK_BASE_URL": "ftp://x",
		"POSLINK_POLLER": "sometimes", "POSLINK_POLL_INTERVAL": "0s", "POSLINK_POLL_CONCURRENCY": "0",
		"POSLINK_POLL_ACCOUNT_RATE": "NaN", "POSLINK_BACKFILL": "3 days",
		"POSLINK_STILLS": "often", "POSLINK_STILLS_CONCURRENCY": "-2", "POSLINK_STILLS_CACHE_MB": "1.5",
		"POSLINK_STILLS_PAYMENT_WINDOW": "0s",
	}), io.Discard)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"POSLINK_TIMEZONE", "POSLINK_LOG_LEVEL", "POSLINK_LOG_FORMAT", "POSLINK_SESSION_IDLE",
		"POSLINK_TRUST_PROXY", "POSLINK_BASE_URL", "POSLINK_POLLER", "POSLINK_POLL_INTERVAL", "POSLINK_POLL_CONCURRENCY",
		"POSLINK_POLL_ACCOUNT_RATE", "POSLINK_BACKFILL", "POSLINK_STILLS", "POSLINK_STILLS_CONCURRENCY",
		"POSLINK_STILLS_CACHE_MB", "POSLINK_STILLS_PAYMENT_WINDOW"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if _, err := Parse("serve", []string{"stray"}, envOf(nil), io.Discard); err == nil {
		t.Error("stray argument accepted")
	}
}

// The README's configuration table lists every setting, with its flag and
// default.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings {
		row := fmt.Sprintf("| `%s` | `--%s` |", s.Env, s.Flag)
		if !strings.Contains(string(b), row) {
			t.Errorf("README lacks the row for %s (%q)", s.Env, row)
		}
		if s.Default != "" && !strings.Contains(string(b), row+" `"+s.Default+"` |") {
			t.Errorf("README shows another default for %s than %q", s.Env, s.Default)
		}
	}
}
