package tenancy

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/password"
)

// Limits of the text fields, also enforced by the schema.
const (
	MaxNameLen  = 100
	MaxEmailLen = 254
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

// cleanText trims s and reports whether it holds control characters, which
// no name needs and which would corrupt logs and screens.
func cleanText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if unicode.IsControl(r) {
			return s, false
		}
	}
	return s, utf8.ValidString(s)
}

func checkName(v *apperr.Validation, field, s string, required bool) string {
	s, ok := cleanText(s)
	switch {
	case !ok:
		v.Add(field, "err.text_invalid")
	case s == "" && required:
		v.Add(field, "err.required")
	case utf8.RuneCountInString(s) > MaxNameLen:
		v.Add(field, "err.too_long_100")
	}
	return s
}

func checkEmail(v *apperr.Validation, field, s string) string {
	s = NormalizeEmail(s)
	if s == "" {
		v.Add(field, "err.required")
		return s
	}
	if len(s) > MaxEmailLen {
		v.Add(field, "err.email_too_long")
		return s
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		v.Add(field, "err.email_invalid")
	}
	return s
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
