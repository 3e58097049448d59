package smaregi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/poslink/poslink/internal/pos"
)

// Config says where Smaregi is.
type Config struct {
	// IDBaseURL issues app tokens (https://id.smaregi.jp), APIBaseURL serves
	// the POS API (https://api.smaregi.jp), LegacyBaseURL the old API
	// (https://webapi.smaregi.jp). No trailing slash needed.
	IDBaseURL, APIBaseURL, LegacyBaseURL string
	// HTTPClient makes the calls (nil: a client without its own timeout).
	HTTPClient *http.Client
	// Timeout bounds each call, whatever the caller's context allows
	// (0: DefaultTimeout). A person is waiting on most of them.
	Timeout time.Duration
	// Now is the clock a Retry-After date is read against (nil: time.Now).
	Now func() time.Time
}

// DefaultTimeout bounds a call when Config.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// Client calls Smaregi. It is safe for concurrent use.
type Client struct {
	idBase, apiBase, legacyBase string
	hc                          *http.Client
	timeout                     time.Duration
	now                         func() time.Time
}

// New returns a client.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	t := cfg.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	trim := func(s string) string { return strings.TrimRight(s, "/") }
	return &Client{idBase: trim(cfg.IDBaseURL), apiBase: trim(cfg.APIBaseURL), legacyBase: trim(cfg.LegacyBaseURL),
		hc: hc, timeout: t, now: now}
}

// maxBody bounds a response body: a page of 1,000 stores of about fifty
// fields is well under it; anything larger is not a Smaregi answer.
const maxBody = 16 << 20

// do sends req with the client's time limit and reads the whole body. A
// failure to get an answer is Unavailable.
func (c *Client) do(ctx context.Context, k call, req *http.Request) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, c.transportError(k, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, nil, c.transportError(k, err)
	}
	if len(body) > maxBody {
		return nil, nil, k.fail(res.StatusCode, pos.Malformed, "", "body larger than 16 MiB")
	}
	return res, body, nil
}

// transportError classifies a call that got no (whole) answer. Its text
// names the URL, which holds no secret.
func (c *Client) transportError(k call, err error) error {
	e := pos.Transport(Provider, k.op, c.timeout, err)
	e.Account = k.contract
	return e
}

// isTransport tells a failure to reach the server from one to understand it.
func isTransport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF)
}

// isJSON accepts application/json and application/problem+json.
func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (mt == "application/json" || mt == "application/problem+json")
}

// problem is the Platform API's error body (RFC 7807 style).
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// problemDetail is what an error body says, for logs; "" when it says
// nothing readable.
func problemDetail(body []byte) string {
	var p problem
	if json.Unmarshal(body, &p) == nil && (p.Detail != "" || p.Title != "") {
		if p.Detail != "" {
			return p.Detail
		}
		return p.Title
	}
	return ""
}

// statusError turns a non-2xx answer of the API or ID host into a
// *pos.Error. on401 and on403 are the reasons those statuses give for this
// call; a 401 without one is the access token refused. A 404 is the
// contract in the path not found.
func (c *Client) statusError(k call, res *http.Response, body []byte, on401, on403 string) *pos.Error {
	s := res.StatusCode
	e := k.fail(s, pos.StatusClass(s), "", problemDetail(body))
	switch {
	case s == http.StatusUnauthorized && on401 == "":
		e.Class = pos.TokenRefused
	case s == http.StatusUnauthorized:
		e.Reason = on401
	case s == http.StatusForbidden:
		e.Reason = on403
	case s == http.StatusNotFound:
		e.Reason = ReasonContract
	case s == http.StatusTooManyRequests:
		e.RetryAfter = pos.ParseRetryAfter(res.Header, c.now())
	}
	return e
}

// decodeStrict decodes exactly one JSON value of body into v: trailing data
// is as wrong as a malformed document.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}
