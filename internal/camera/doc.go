// Package camera is poslink's client of the camera cloud, Safie API v2
// (https://openapi.safie.link/v2, shared/pos-apis.md §3), authenticated by
// an API key (the Safie-API-Key header):
//
//	Devices, AllDevices  GET /v2/devices?offset&limit       the cameras the key may read
//	Still                GET /v2/devices/{id}/image?timestamp  the picture at a moment
//	Thumbnail            GET /v2/devices/{id}/thumbnail     the newest picture
//	Recordings           GET /v2/devices/{id}/media?start&end  which periods were recorded
//
// It keeps no state and holds no database: every call is one or a few HTTP
// requests, bounded in time (Config.Timeout) and in size, and every
// failure is an *Error of a few classes (as the POS clients' pos.Error),
// two of them the camera's own: NoRecording (nothing was recorded then)
// and NotYetAvailable (the cloud makes a moment's recording readable
// about a minute later, MediaDelay).
//
// The simulator speaking the same API is internal/sim/camcloud.
package camera
