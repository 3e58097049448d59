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
	"strconv"
	"strings"
	"time"
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
}

// DefaultTimeout bounds a call when Config.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// Client calls Smaregi. It is safe for concurrent use.
type Client struct {
	idBase, apiBase, legacyBase string
	hc                          *http.Client
	timeout                     time.Duration
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
	trim := func(s string) string { return strings.TrimRight(s, "/") }
	return &Client{idBase: trim(cfg.IDBaseURL), apiBase: trim(cfg.APIBaseURL), legacyBase: trim(cfg.LegacyBaseURL),
		hc: hc, timeout: t}
}

// maxBody bounds a response body: a page of 1,000 stores of about fifty
// fields is well under it; anything larger is not a Smaregi answer.
const maxBody = 16 << 20

// do sends req with the client's time limit and reads the whole body. A
// failure to get an answer is an *Error of ErrTimeout or ErrUnavailable.
func (c *Client) do(ctx context.Context, op string, req *http.Request) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, transportError(op, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, nil, transportError(op, err)
	}
	if len(body) > maxBody {
		return nil, nil, &Error{Op: op, Status: res.StatusCode, Err: ErrBadResponse, Detail: "body larger than 16 MiB"}
	}
	return res, body, nil
}

// transportError classifies a call that got no (whole) answer.
func transportError(op string, err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Op: op, Err: ErrTimeout, Detail: shorten(err.Error())}
	}
	return &Error{Op: op, Err: ErrUnavailable, Detail: shorten(err.Error())}
}

// isTransport tells a failure to reach the server from one to understand it.
func isTransport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryAfter reads Retry-After (seconds or an HTTP date); Smaregi sends
// seconds. Without a usable value one second is assumed, the documented
// window of the rate limit.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	d := time.Second
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), time.Hour)
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
			return shorten(p.Detail)
		}
		return shorten(p.Title)
	}
	return ""
}

// statusError turns a non-2xx answer of the API or ID host into an *Error.
// on401, on403 and on404 are what those statuses mean for this call.
func statusError(op string, res *http.Response, body []byte, on401, on403, on404 error) *Error {
	e := &Error{Op: op, Status: res.StatusCode, Detail: problemDetail(body)}
	switch s := res.StatusCode; {
	case s == http.StatusUnauthorized && on401 != nil:
		e.Err = on401
	case s == http.StatusForbidden && on403 != nil:
		e.Err = on403
	case s == http.StatusNotFound && on404 != nil:
		e.Err = on404
	case s == http.StatusTooManyRequests:
		e.Err, e.RetryAfter = ErrRateLimited, retryAfter(res.Header, time.Now())
	case s >= 500:
		e.Err = ErrUnavailable
	default:
		e.Err = ErrBadResponse
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
