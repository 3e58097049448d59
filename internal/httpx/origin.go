package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origin is the scheme and host a browser names a page's origin by
// (RFC 6454), as it writes the Origin header: lower case, without the
// default port.
type Origin string

// OriginOf is the origin of the portal's base URL (http or https); its
// path, and user information, are no part of it.
func OriginOf(baseURL string) (Origin, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want http(s)://host[:port]", baseURL)
	}
	return makeOrigin(u.Scheme, u.Host), nil
}

// loopback reports whether the origin's host is this machine's own
// (localhost, 127.0.0.0/8, ::1), which no other site can be.
func (o Origin) loopback() bool {
	u, err := url.Parse(string(o))
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// HTTPS reports whether the origin is served over TLS.
func (o Origin) HTTPS() bool { return strings.HasPrefix(string(o), "https://") }

func makeOrigin(scheme, host string) Origin {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return Origin(scheme + "://" + host)
}

// requestOrigin is the origin a request reached, for a portal without a
// base URL (tests): its Host, over TLS or not.
func requestOrigin(r *http.Request) Origin {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return makeOrigin(scheme, r.Host)
}

// sameOrigin reports whether an Origin header names o. "null" and anything
// that is not scheme://host[:port] do not.
func sameOrigin(header string, o Origin) bool {
	u, err := url.Parse(header)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	return makeOrigin(u.Scheme, u.Host) == o
}
