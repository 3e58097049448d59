package config

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is a setting that must not be shown: printed with any fmt verb,
// logged with slog or written as JSON, it says only whether it is set.
// Reveal gives the value to the one place that sends it.
type Secret string

// hidden is what a set Secret shows.
const hidden = "[hidden]"

// Reveal is the value itself.
func (s Secret) Reveal() string { return string(s) }

// String shows "" when s is empty, else only that it is set.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return hidden
}

// Format applies to every verb (%v, %+v, %#v, %s, %q …) of the fmt
// functions, also when s is a field of a struct printed whole.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue keeps s out of logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps s out of JSON and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
