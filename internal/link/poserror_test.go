package link_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/camera"
	"github.com/poslink/poslink/internal/i18n"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/pos"
	"github.com/poslink/poslink/internal/pos/smaregi"
	"github.com/poslink/poslink/internal/pos/ubiregi"
)

// Every class of either provider comes out as the message the owner has
// been shown for it, with the kind that picks the HTTP status.
func TestProviderError(t *testing.T) {
	ub := func(class pos.Class, reason string) *pos.Error {
		return &pos.Error{Provider: ubiregi.Provider, Op: "op", Class: class, Reason: reason}
	}
	sm := func(class pos.Class, reason string) *pos.Error {
		return &pos.Error{Provider: smaregi.Provider, Op: "op", Account: "sk1", Class: class, Reason: reason, Code: "22"}
	}
	limited := func(e *pos.Error) *pos.Error { e.RetryAfter = 2500 * time.Millisecond; return e }
	timedOut := func(e *pos.Error) *pos.Error { e.Waited = 300 * time.Millisecond; return e }
	for _, c := range []struct {
		err  *pos.Error
		from link.CredsSource
		kind apperr.Kind
		key  string
		args []any
	}{
		{ub(pos.Unavailable, ""), link.StoredCreds, apperr.Unavailable, "err.ubiregi_unavailable", nil},
		{timedOut(ub(pos.Unavailable, "")), link.StoredCreds, apperr.Unavailable, "err.ubiregi_unavailable", nil},
		{limited(ub(pos.RateLimited, "")), link.StoredCreds, apperr.Throttled, "err.ubiregi_rate_limited", []any{3}},
		{ub(pos.CredentialsRefused, ubiregi.ReasonInvalidGrant), link.EnteredCreds, apperr.Invalid, "err.ubiregi_code_invalid", nil},
		{ub(pos.CredentialsRefused, ubiregi.ReasonInvalidGrant), link.StoredCreds, apperr.Conflict, "err.ubiregi_reauth", nil},
		{ub(pos.CredentialsRefused, ubiregi.ReasonInvalidClient), link.StoredCreds, apperr.Unavailable, "err.ubiregi_client", nil},
		{ub(pos.CredentialsRefused, ubiregi.ReasonUnauthorizedClient), link.EnteredCreds, apperr.Unavailable, "err.ubiregi_client", nil},
		{ub(pos.CredentialsRefused, ubiregi.ReasonSubscription), link.StoredCreds, apperr.Unavailable, "err.ubiregi_subscription", nil},
		{ub(pos.CredentialsRefused, ""), link.StoredCreds, apperr.Unavailable, "err.ubiregi_malformed", nil},
		{ub(pos.TokenRefused, ubiregi.ReasonInvalidToken), link.StoredCreds, apperr.Unavailable, "err.ubiregi_malformed", nil},
		{ub(pos.NotFound, ""), link.StoredCreds, apperr.Unavailable, "err.ubiregi_malformed", nil},
		{ub(pos.Malformed, ""), link.StoredCreds, apperr.Unavailable, "err.ubiregi_malformed", nil},

		{sm(pos.Unavailable, ""), link.StoredCreds, apperr.Unavailable, "smaregi.err.unavailable", nil},
		{timedOut(sm(pos.Unavailable, "")), link.EnteredCreds, apperr.Unavailable, "smaregi.err.timeout", []any{1}},
		{limited(sm(pos.RateLimited, "")), link.EnteredCreds, apperr.Throttled, "smaregi.err.rate_limited", []any{3}},
		{sm(pos.CredentialsRefused, smaregi.ReasonCredentials), link.EnteredCreds, apperr.Invalid, "smaregi.err.credentials", nil},
		{sm(pos.CredentialsRefused, smaregi.ReasonCredentials), link.StoredCreds, apperr.Invalid, "smaregi.err.stored_credentials", nil},
		{sm(pos.CredentialsRefused, smaregi.ReasonScope), link.StoredCreds, apperr.Invalid, "smaregi.err.scope", nil},
		{sm(pos.CredentialsRefused, smaregi.ReasonLegacyToken), link.StoredCreds, apperr.Invalid, "smaregi.err.legacy_token", nil},
		{sm(pos.CredentialsRefused, smaregi.ReasonLegacyRetired), link.StoredCreds, apperr.Invalid, "smaregi.err.legacy_retired", nil},
		{sm(pos.CredentialsRefused, smaregi.ReasonLegacyRefused), link.StoredCreds, apperr.Unavailable, "smaregi.err.legacy_refused", []any{"22"}},
		{sm(pos.NotFound, smaregi.ReasonContract), link.EnteredCreds, apperr.Invalid, "smaregi.err.contract_not_found", []any{"sk1"}},
		{sm(pos.TokenRefused, ""), link.StoredCreds, apperr.Unavailable, "smaregi.err.unavailable", nil},
		{sm(pos.Malformed, ""), link.StoredCreds, apperr.Unavailable, "smaregi.err.unavailable", nil},
	} {
		name := fmt.Sprintf("%s %v %s (from %d)", c.err.Provider, c.err.Class, c.err.Reason, c.from)
		wrapped := fmt.Errorf("context: %w", c.err)
		e, ok := apperr.As(link.ProviderError(wrapped, c.from))
		if !ok || e.Kind != c.kind || e.Key != c.key || fmt.Sprint(e.Args) != fmt.Sprint(c.args) {
			t.Errorf("%s: %+v", name, e)
			continue
		}
		if !errors.Is(e, c.err) {
			t.Errorf("%s: the cause is lost", name)
		}
		if want := c.err.RetryAfter; e.RetryAfter != want {
			t.Errorf("%s: retry after %v, want %v", name, e.RetryAfter, want)
		}
	}

	// Errors that are not a provider's, or already told, pass through.
	plain := errors.New("database down")
	told := apperr.Wrap(apperr.Conflict, ub(pos.Malformed, ""), "err.ubiregi_reauth")
	for _, err := range []error{nil, plain, told} {
		if got := link.ProviderError(err, link.StoredCreds); got != err { //nolint:errorlint // the very same value must come back
			t.Errorf("%v came back as %v", err, got)
		}
	}
}

// A failure of the camera cloud is told as the camera cloud's, in both
// languages, never as if Ubiregi or Smaregi had failed; no recording and
// not yet are told apart from the other classes.
func TestProviderErrorCameraCloud(t *testing.T) {
	cam := func(class pos.Class, reason string, wait time.Duration) *pos.Error {
		return &pos.Error{Provider: camera.Provider, Op: "still", Account: "cam-1", Class: class, Reason: reason,
			RetryAfter: wait}
	}
	for _, c := range []struct {
		err    *pos.Error
		kind   apperr.Kind
		key    string
		args   []any
		retry  time.Duration
		jaSays string
		enSays string
	}{
		{cam(pos.Unavailable, "", 0), apperr.Unavailable, "camera.err.unavailable", nil, 0, "カメラクラウド", "camera cloud"},
		{cam(pos.Unavailable, camera.ReasonNotYetAvailable, 1500*time.Millisecond), apperr.Unavailable, "camera.err.not_yet",
			[]any{2}, 1500 * time.Millisecond, "2秒", "2 seconds"},
		{cam(pos.RateLimited, "", 3*time.Second), apperr.Throttled, "camera.err.rate_limited", []any{3}, 3 * time.Second,
			"カメラクラウド", "camera cloud"},
		{cam(pos.CredentialsRefused, "", 0), apperr.Unavailable, "camera.err.key_refused", nil, 0, "APIキー", "API key"},
		{cam(pos.NotFound, "", 0), apperr.Unavailable, "camera.err.device_not_found", nil, 0, "カメラクラウド", "camera cloud"},
		{cam(pos.NotFound, camera.ReasonNoRecording, 0), apperr.NotFound, "camera.err.no_recording", nil, 0, "録画がありません",
			"recorded nothing"},
		{cam(pos.Malformed, "", 0), apperr.Unavailable, "camera.err.malformed", nil, 0, "カメラクラウド", "camera cloud"},
	} {
		name := fmt.Sprintf("%v %s", c.err.Class, c.err.Reason)
		e, ok := apperr.As(link.ProviderError(fmt.Errorf("context: %w", c.err), link.StoredCreds))
		if !ok || e.Kind != c.kind || e.Key != c.key || fmt.Sprint(e.Args) != fmt.Sprint(c.args) || e.RetryAfter != c.retry {
			t.Errorf("%s: %+v", name, e)
			continue
		}
		if !errors.Is(e, c.err) {
			t.Errorf("%s: the cause is lost", name)
		}
		ja, en := i18n.T(i18n.JA, e.Key, e.Args...), i18n.T(i18n.EN, e.Key, e.Args...)
		if !strings.Contains(ja, c.jaSays) || !strings.Contains(en, c.enSays) {
			t.Errorf("%s: %q / %q, want them to say %q / %q", name, ja, en, c.jaSays, c.enSays)
		}
		for _, other := range []string{"ユビレジ", "スマレジ", "Ubiregi", "Smaregi", "POS", "レジ"} {
			if strings.Contains(ja, other) || strings.Contains(en, other) {
				t.Errorf("%s: %q / %q names %s", name, ja, en, other)
			}
		}
	}
}
