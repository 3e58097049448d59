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
// requests, bounded in time (Config.Timeout) and in size. To its callers
// the camera cloud is one more provider: every failure is a *pos.Error
// (Provider "camera", Op the call, Account the device ID) of pos's
// classes, and the camera's own two situations are reasons within them:
// ReasonNoRecording (pos.NotFound: nothing was recorded then) and
// ReasonNotYetAvailable (pos.Unavailable with RetryAfter: the cloud makes
// a moment's recording readable about a minute later, MediaDelay).
//
// The simulator speaking the same API is internal/sim/camcloud.
package camera
