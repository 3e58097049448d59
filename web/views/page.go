// Package views renders the portal's HTML pages with templ. Views receive
// plain view models and translate through Page.T; they know nothing of the
// database or of HTTP handlers.
package views

import (
	"time"

	"github.com/poslink/poslink/internal/i18n"
)

// Page is what every page's layout needs.
type Page struct {
	Lang  i18n.Lang
	Title string
	// Path is the request path, for the navigation and the language switch.
	Path  string
	User  *User
	Flash *Flash
	// BodyClass styles whole pages differently (the login page).
	BodyClass string
}

// User is the logged-in user, as the header shows them.
type User struct {
	Email      string
	Staff      bool
	TenantName string
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	// Kind is "ok", "error" or "info".
	Kind string
	Text string
}

// T translates key into the page's language.
func (p Page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// Date formats a calendar day the way the page's language writes it.
func (p Page) Date(t time.Time) string {
	if p.Lang == i18n.EN {
		return t.Format("2006-01-02")
	}
	return t.Format("2006/01/02")
}

// Time formats an instant in loc the way the page's language writes it.
func (p Page) Time(t time.Time, loc *time.Location) string {
	if p.Lang == i18n.EN {
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	return t.In(loc).Format("2006/01/02 15:04:05")
}

// Form carries what was typed and what was wrong with it back to a form.
type Form struct {
	Values map[string]string
	// Errors maps a field to its translated message.
	Errors map[string]string
	// Error is a message for the whole form.
	Error string
}

// Value is what was typed into field.
func (f Form) Value(field string) string { return f.Values[field] }

// Err is field's message, "" when it is fine.
func (f Form) Err(field string) string { return f.Errors[field] }

// FieldClass marks a field with an error for the stylesheet.
func (f Form) FieldClass(field string) string {
	if f.Errors[field] != "" {
		return "field has-error"
	}
	return "field"
}
