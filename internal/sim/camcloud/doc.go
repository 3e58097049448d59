// Package camcloud simulates the camera cloud poslink shows pictures from:
// Safie API v2 (https://openapi.safie.link/v2), as far as it is known
// (shared/pos-apis.md §3), with the labelled assumptions of §5 (#19–#21).
//
// The API, authenticated by the Safie-API-Key header:
//
//	GET /v2/devices?offset&limit&item_id   {"total","offset","count","has_next","list":[device]}
//	GET /v2/devices/{device_id}/image?timestamp=ISO 8601 with zone   JPEG of that second
//	GET /v2/devices/{device_id}/thumbnail  JPEG of the newest frame
//	GET /v2/devices/{device_id}/media?start&end   {"list":[{"timestamp","duration"}]}
//
// A device is {"device_id","serial","setting":{"name"},"model":{"description"},
// "status":{"video_streaming"}}. A media period is a stretch of recording:
// its start (ISO 8601) and its length in milliseconds. Errors are
// {"message": "..."}.
//
// A camera records one frame a second from its RecordingSince, except in
// its gaps, in power cuts injected through the control API, and, for the
// shops that switch it off with the lights (Device.Night, else drawn from
// the seed), at night. A recording can be read MediaDelay (a minute) after
// its moment; the live picture (thumbnail, image without a timestamp) at
// once. A still where nothing was recorded, or not yet, is a 404.
//
// Nothing is stored per picture: a frame is drawn on demand from (seed,
// device, second), a shop seen from a security camera with the light of the
// hour in Tokyo and an on-screen display of the time and the camera's name,
// and encoded as a 640×360 JPEG in about 5 ms. Synthetic ranges of cameras
// are computed from the seed too, so 100,000 of them cost constant memory.
//
// The control API (Go methods and JSON endpoints under /_sim/, see
// mountAdmin) creates devices, ranges and keys, revokes keys, cuts a
// device's power for a while, and mounts the shared fault injector and
// clock. The time is always the Config's clock.
package camcloud
