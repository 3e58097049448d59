// Package web holds the portal's static assets and, in views/, its templ
// components; both are compiled into the binary.
package web

import "embed"

// Static holds the files served under /static/.
//
//go:embed static
var Static embed.FS
