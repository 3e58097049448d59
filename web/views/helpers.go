package views

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

func itoa(n int) string { return strconv.Itoa(n) }

func pressed(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

// current marks the navigation link of the section the page belongs to.
func current(path, section string) templ.Attributes {
	if path == section || strings.HasPrefix(path, section+"/") {
		return templ.Attributes{"aria-current": "page"}
	}
	return templ.Attributes{}
}
