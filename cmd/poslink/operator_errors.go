package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/i18n"
)

// cliError is an error whose message is written for the operator; the
// cause stays reachable for errors.Is and errors.As but out of the message,
// since the store's errors read as message keys.
type cliError struct {
	msg string
	err error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// notFound names what is missing when err is the store's not-found error,
// which cannot know what the operator was looking for.
func notFound(err error, format string, args ...any) error {
	if apperr.KindOf(err) == apperr.NotFound {
		return &cliError{msg: fmt.Sprintf(format, args...) + " not found", err: err}
	}
	return err
}

// explain turns the store's validation and conflict errors into one line
// naming each bad flag with its English message, e.g.
// "--email: Not a valid e-mail address (e.g. owner@example.com).".
// flagOf maps store fields to flags where their names differ.
func explain(err error, flagOf map[string]string) error {
	var worded *cliError
	e, ok := apperr.As(err)
	if !ok || errors.As(err, &worded) {
		return err
	}
	if len(e.Fields) == 0 {
		msg := i18n.T(i18n.EN, e.Key, e.Args...)
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
		return &cliError{msg: msg, err: err}
	}
	parts := make([]string, 0, len(e.Fields))
	for field, key := range e.Fields {
		parts = append(parts, "--"+flagName(field, flagOf)+": "+i18n.T(i18n.EN, key))
	}
	slices.Sort(parts) // a stable order for scripts and tests
	return &cliError{msg: strings.Join(parts, "; "), err: err}
}

// flagName is the flag that fills a store field: the field's name in
// kebab case unless the operation or the common renames say otherwise.
func flagName(field string, flagOf map[string]string) string {
	if f, ok := flagOf[field]; ok {
		return f
	}
	switch field {
	case "display_name":
		return "name"
	case "pos_usable_from":
		return "usable-from"
	}
	return strings.ReplaceAll(field, "_", "-")
}
