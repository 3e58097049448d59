package camera

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// Config says where the camera cloud is and how to call it.
type Config struct {
	// BaseURL is the API's root (https://openapi.safie.link); no trailing
	// slash needed.
	BaseURL string
	// APIKey is sent as the Safie-API-Key header. Empty: every call fails
	// with pos.CredentialsRefused without being sent.
	APIKey string
	// HTTPClient makes the calls (nil: a client without its own timeout).
	HTTPClient *http.Client
	// Timeout bounds each call, whatever the caller's context allows
	// (0: DefaultTimeout).
	Timeout time.Duration
	// Now is the clock that judges whether a moment's recording can be
	// read yet, and reads Retry-After dates (nil: time.Now).
	Now func() time.Time
}

// DefaultTimeout bounds a call when Config.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// Client calls the camera cloud. It is safe for concurrent use and starts
// no goroutine of its own.
type Client struct {
	base    string
	key     string
	hc      *http.Client
	timeout time.Duration
	now     func() time.Time
}

// New returns a client.
func New(cfg Config) *Client {
	c := &Client{base: strings.TrimRight(cfg.BaseURL, "/"), key: cfg.APIKey, hc: cfg.HTTPClient,
		timeout: cfg.Timeout, now: cfg.Now}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// apiKeyHeader carries the key of a Safie "APIキー認証アプリケーション".
const apiKeyHeader = "Safie-API-Key"

// Bounds on answers: a page of 100 devices or a day of recorded periods is
// far below maxJSON; a still of the cameras' size is tens of KB.
const (
	maxJSON  = 4 << 20
	maxImage = 2 << 20
)

// call is one call of the client, for the errors it fails with.
type call struct {
	op       string
	deviceID string
}

func (k call) fail(status int, class pos.Class, detail string) *pos.Error {
	return &pos.Error{Provider: Provider, Op: k.op, Account: k.deviceID, Status: status, Class: class,
		Detail: pos.Shorten(detail)}
}

// answer is a whole HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// get sends GET path?query with the key and reads the whole body, at most
// limit bytes, within the client's time limit. A failure to get a whole
// answer is pos.Unavailable; a body over the limit is pos.Malformed.
func (c *Client) get(ctx context.Context, k call, path string, query url.Values, limit int64) (answer, error) {
	if c.key == "" {
		return answer{}, k.fail(0, pos.CredentialsRefused, "no API key is configured")
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return answer{}, k.fail(0, pos.Malformed, "request: "+err.Error())
	}
	req.Header.Set(apiKeyHeader, c.key)
	res, err := c.hc.Do(req)
	if err != nil {
		return answer{}, c.transportError(k, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return answer{}, c.transportError(k, err)
	}
	if int64(len(body)) > limit {
		return answer{}, k.fail(res.StatusCode, pos.Malformed, "body larger than the limit of the call")
	}
	return answer{status: res.StatusCode, header: res.Header, body: body}, nil
}

// transportError classifies a call that got no whole answer (see
// pos.Transport). Its text names the URL, which holds no secret.
func (c *Client) transportError(k call, err error) *pos.Error {
	e := pos.Transport(Provider, k.op, c.timeout, err)
	e.Account = k.deviceID
	return e
}

// statusError turns an answer that is not a 200 into a *pos.Error of the
// status's class. on404 is the reason a 404 gives for the call (none: the
// device or list is not found; ReasonNoRecording for a picture).
//
// ASSUMPTION (shared/pos-apis.md §5 #19): errors are {"message": "..."};
// the message is kept for logs only, except that a 404 saying "device"
// is the device not found, whatever the call.
func (c *Client) statusError(k call, a answer, on404 string) *pos.Error {
	msg := errorMessage(a)
	e := k.fail(a.status, pos.StatusClass(a.status), msg)
	switch {
	case e.Class == pos.RateLimited:
		e.RetryAfter = pos.ParseRetryAfter(a.header, c.now())
	case e.Class == pos.NotFound && !strings.Contains(strings.ToLower(msg), "device"):
		e.Reason = on404
	}
	return e
}

// errorMessage is what an error body says, "" when it says nothing
// readable.
func errorMessage(a answer) string {
	var m struct {
		Message string `json:"message"`
	}
	if isJSON(a.header) && json.Unmarshal(a.body, &m) == nil {
		return m.Message
	}
	return ""
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// devicePath is the path of a device's resource; the ID is escaped, so
// that no ID reaches another path.
func devicePath(id, what string) (string, error) {
	if id == "" {
		return "", errEmptyDevice
	}
	return "/v2/devices/" + url.PathEscape(id) + "/" + what, nil
}

var errEmptyDevice = errors.New("camera: empty device ID")

// decodeJSON decodes exactly one JSON value of body into v: trailing data
// is as wrong as a malformed document. Fields the client does not read
// are allowed: the real answers carry more than the documented ones.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}
