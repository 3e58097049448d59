// Package openapi holds the OpenAPI 3 document of the viewer JSON API
// (/api/v1), embedded: the portal serves it at /api/v1/openapi.json and
// the API's tests validate every answer against it.
package openapi

import _ "embed"

// Document is the OpenAPI 3.0 document, JSON.
//
//go:embed openapi.json
var Document []byte
