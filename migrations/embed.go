// Package migrations holds the database schema as goose SQL migrations,
// embedded so that the binary migrates the database it talks to.
package migrations

import "embed"

// FS holds every migration file, applied in the order of their numbers.
//
//go:embed *.sql
var FS embed.FS
