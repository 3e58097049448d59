package views

import (
	"strings"

	"github.com/a-h/templ"
)

func pressed(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// current marks the navigation link of the section the page belongs to.
func current(path, section string) templ.Attributes {
	if path == section || strings.HasPrefix(path, section+"/") {
		return templ.Attributes{"aria-current": "page"}
	}
	return templ.Attributes{}
}

// fieldID is the id of a form field: "f-name" on a page with one form,
// "f-form-name" where several forms share field names.
func fieldID(form, name string) string {
	if form == "" {
		return "f-" + name
	}
	return "f-" + form + "-" + name
}

// autocomplete tells password managers what a field is: the login form's
// fields are the account's; a password set for someone else is new.
func autocomplete(form, kind string) string {
	switch {
	case kind == "password" && form == "":
		return "current-password"
	case kind == "password":
		return "new-password"
	case kind == "email" && form == "":
		return "username"
	default:
		return "off"
	}
}
