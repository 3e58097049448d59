// Package apperr is the one error model of poslink: a domain error carries a
// kind (what went wrong, for choosing an HTTP status or exit code) and
// message keys (what to tell the person, translated by the caller).
package apperr

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Kind classifies an error for the layer that answers the user.
type Kind int

// The kinds of error the domain reports.
const (
	Internal     Kind = iota // a bug or an unexpected failure; details are logged, not shown
	Invalid                  // the input is wrong; Fields says where
	NotFound                 // absent, or not visible to this tenant
	Conflict                 // clashes with existing data (a duplicate)
	Unauthorized             // not logged in, or wrong credentials
	Forbidden                // logged in but not allowed
	Throttled                // too many attempts; try later
	Unavailable              // a dependency is down or slow
)

// Error is a domain error with a user-facing message key.
type Error struct {
	Kind Kind
	// Key is the i18n key of the message for the whole operation.
	Key string
	// Args fill the message's placeholders.
	Args []any
	// Fields maps a form field name to the i18n key of its message.
	Fields map[string]string
	// RetryAfter, when positive, is how long to wait before trying again
	// (Throttled, Unavailable); HTTP answers carry it as Retry-After.
	RetryAfter time.Duration
	// Err is the cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s (kind %d)", e.Key, e.Kind)
	if len(e.Fields) > 0 {
		msg += fmt.Sprintf(" fields %v", e.Fields)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind with the message key.
func New(kind Kind, key string, args ...any) *Error {
	return &Error{Kind: kind, Key: key, Args: args}
}

// Field returns the Invalid error of one refused field (or parameter),
// its message key key, under the form's "check the fields" message.
func Field(field, key string) *Error {
	return &Error{Kind: Invalid, Key: "err.form_invalid", Fields: map[string]string{field: key}}
}

// Wrap returns an error of kind with the message key and cause err.
func Wrap(kind Kind, err error, key string, args ...any) *Error {
	return &Error{Kind: kind, Key: key, Args: args, Err: err}
}

// WithRetryAfter sets how long the caller should wait before trying again.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	e.RetryAfter = d
	return e
}

// KindOf is the kind of err: Internal unless err is or wraps an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error within err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Validation collects field errors of a form before anything is saved.
type Validation struct {
	fields map[string]string
}

// Add records the message key for field, keeping the first one per field.
func (v *Validation) Add(field, key string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = key
	}
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	_, ok := v.fields[field]
	return ok
}

// Err is nil when no field failed, else an Invalid error listing the fields.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Key: "err.form_invalid", Fields: maps.Clone(v.fields)}
}

// FieldNames lists the fields with errors, sorted; for logs and tests.
func FieldNames(err error) []string {
	e, ok := As(err)
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(e.Fields))
}
