// Package camcloud simulates the camera cloud poslink shows pictures from:
// Safie API v2 (https://openapi.safie.link/v2), as far as it is known
// (shared/pos-apis.md §3), with the labelled assumptions of §5 (#19–#21).
//
// The API, authenticated by the Safie-API-Key header:
//
//	GET /v2/devices?offset&limit&item_id   {"total","offset","count","has_next","list":[device]}
//	GET /v2/devices/{device_id}/image?timestamp=ISO 8601 with zone   JPEG of that second
//	GET /v2/devices/{device_id}/thumbnail  JPEG of the newest frame
//
// A device is {"device_id","serial","setting":{"name"},"model":{"description"},
// "status":{"video_streaming"}}. Errors are {"message": "..."}.
//
// Nothing is stored per picture: a frame is drawn on demand from (seed,
// device, second), a shop seen from a security camera with the light of the
// hour in Tokyo and an on-screen display of the time and the camera's name,
// and encoded as a 640×360 JPEG in about 5 ms. Synthetic ranges of cameras
// are computed from the seed too, so 100,000 of them cost constant memory.
//
// The control API (Go methods and JSON endpoints under /_sim/, see
// mountAdmin) creates devices, ranges and keys, revokes keys, and mounts the
// shared fault injector and clock. The time is always the Config's clock.
package camcloud
