package pos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"3":   3 * time.Second,
		" 60": time.Minute,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		"":       time.Second, // none: the documented window
		"soon":   time.Second,
		"-5":     time.Second,
		"0":      time.Second,
		"999999": time.Hour,
		now.Add(-time.Minute).Format(http.TimeFormat): time.Second,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := pos.ParseRetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

func TestClassOf(t *testing.T) {
	e := &pos.Error{Provider: "smaregi", Op: "stores", Class: pos.RateLimited, Status: 429, RetryAfter: 2 * time.Second}
	wrapped := fmt.Errorf("list: %w", e)
	if pos.ClassOf(wrapped) != pos.RateLimited || pos.RetryAfter(wrapped) != 2*time.Second {
		t.Fatalf("wrapped: %v %v", pos.ClassOf(wrapped), pos.RetryAfter(wrapped))
	}
	for _, err := range []error{nil, errors.New("database down")} {
		if pos.ClassOf(err) != 0 || pos.RetryAfter(err) != 0 || pos.HasReason(err, "") {
			t.Errorf("%v is classed", err)
		}
	}
	if got := e.Error(); got != "smaregi stores: rate limited (HTTP 429) retry after 2s" {
		t.Errorf("text %q", got)
	}
}

func TestTransport(t *testing.T) {
	e := pos.Transport("ubiregi", "refresh", time.Second, fmt.Errorf("post: %w", context.DeadlineExceeded))
	if e.Class != pos.Unavailable || e.Waited != time.Second || !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("timeout: %+v", e)
	}
	e = pos.Transport("ubiregi", "refresh", time.Second, errors.New("connection refused"))
	if e.Class != pos.Unavailable || e.Waited != 0 {
		t.Errorf("refused: %+v", e)
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]pos.Class{
		429: pos.RateLimited, 500: pos.Unavailable, 503: pos.Unavailable, 401: pos.CredentialsRefused,
		403: pos.CredentialsRefused, 404: pos.NotFound, 400: pos.Malformed, 418: pos.Malformed, 302: pos.Malformed,
	} {
		if got := pos.StatusClass(status); got != want {
			t.Errorf("HTTP %d: %v, want %v", status, got, want)
		}
	}
}

// A provider's explanation is stored with the failure (jsonb, text), which
// refuses NUL: Shorten cleans it as stored text, on one line, and marks a
// cut.
func TestShorten(t *testing.T) {
	for in, want := range map[string]string{
		"maintenance\x00window":   "maintenance window",
		"bad \xff byte":           "bad \uFFFD byte",
		"\u202Etxt.exe\n\tsecond": "txt.exe second",
		strings.Repeat("あ", 301):  strings.Repeat("あ", 300) + "…",
	} {
		if got := pos.Shorten(in); got != want {
			t.Errorf("Shorten(%q) = %q, want %q", in, got, want)
		}
	}
}
