package tenancy

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/textcheck"
)

// Limits of the text fields, also enforced by the schema.
const (
	MaxNameLen  = 100
	MaxEmailLen = 254
	// MaxQueryLen bounds a search of tenants: what it matches (names,
	// e-mail addresses, device IDs) is never longer.
	MaxQueryLen = MaxEmailLen
)

// ASSUMPTION: the camera cloud's device IDs are opaque tokens of letters,
// digits, '-' and '_' (Safie's public samples redact them); 64 characters is
// far above any seen.
var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// NormalizeEmail trims and lower-cases an e-mail address: addresses are
// compared without case, as people type them.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// checkName checks a name a person typed (a tenant, camera, model or
// display name) with textcheck: no control characters, which would corrupt
// logs and screens, and no invisible direction controls, which make a name
// read differently from what it is (U+202E shows it backwards).
func checkName(v *apperr.Validation, field, s string, required bool) string {
	s = strings.TrimSpace(s)
	switch p := textcheck.Line(s, MaxNameLen); {
	case p == textcheck.TooLong:
		v.Add(field, "err.too_long_100")
	case p != textcheck.OK:
		v.Add(field, p.Key())
	case s == "" && required:
		v.Add(field, "err.required")
	}
	return s
}

func checkEmail(v *apperr.Validation, field, s string) string {
	if !checkEmailText(v, field, s) {
		return NormalizeEmail(s)
	}
	s = NormalizeEmail(s)
	if s == "" {
		v.Add(field, "err.required")
		return s
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		v.Add(field, "err.email_invalid")
	}
	return s
}

// checkEmailText checks what an e-mail address may hold before it is
// normalized (which would turn invalid UTF-8 into U+FFFD), parsed or looked
// up: net/mail takes any UTF-8, direction controls too.
func checkEmailText(v *apperr.Validation, field, s string) bool {
	s = strings.TrimSpace(s)
	switch p := textcheck.Line(s, MaxEmailLen); {
	case len(s) > MaxEmailLen || p == textcheck.TooLong:
		v.Add(field, "err.email_too_long")
	case p != textcheck.OK:
		v.Add(field, p.Key())
	default:
		return true
	}
	return false
}

func checkPassword(v *apperr.Validation, field, pw string) {
	switch n := utf8.RuneCountInString(pw); {
	case pw == "":
		v.Add(field, "err.required")
	case n < password.MinLength:
		v.Add(field, "err.password_too_short")
	case len(pw) > password.MaxLength:
		v.Add(field, "err.password_too_long")
	}
}

// checkDeviceID checks a device ID; the pattern admits ASCII letters,
// digits, '-' and '_' only, so no other text check is needed.
func checkDeviceID(v *apperr.Validation, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add(field, "err.required")
	case !deviceIDPattern.MatchString(s):
		v.Add(field, "err.device_id_invalid")
	}
	return s
}

// checkQuery checks a search of tenants: one line of text, bounded. It
// goes into a LIKE pattern, so it must be text PostgreSQL takes.
func checkQuery(v *apperr.Validation, field, s string) string {
	s = strings.TrimSpace(s)
	if p := textcheck.Line(s, MaxQueryLen); p != textcheck.OK {
		v.Add(field, p.Key())
	}
	return s
}

// ParseDate reads a calendar day typed as YYYY-MM-DD (what an HTML date input
// sends) or YYYY/MM/DD (how the manuals write dates).
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006/1/2"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 2000 && t.Year() <= 2999 {
			return t, true
		}
	}
	return time.Time{}, false
}

// ValidateCamera checks a camera form and returns the cleaned input.
func ValidateCamera(in CameraInput) (CameraInput, error) {
	var v apperr.Validation
	out := CameraInput{
		DeviceID: checkDeviceID(&v, "device_id", in.DeviceID),
		Name:     checkName(&v, "name", in.Name, true),
		Model:    checkName(&v, "model", in.Model, false),
	}
	return out, v.Err()
}
