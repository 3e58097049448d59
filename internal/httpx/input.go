package httpx

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/textcheck"
)

// ErrBadRequest is a request no form of the portal sends: a malformed or
// oversized body, a hand-made parameter.
var ErrBadRequest = apperr.New(apperr.Invalid, "err.bad_request")

// ParseForm reads the query and a POSTed form, the one way every handler
// reads its input; a body that is malformed or too large is ErrBadRequest.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Wrap(apperr.Invalid, err, ErrBadRequest.Key)
	}
	return nil
}

// maxLocalPath bounds a redirect target taken from a request.
const maxLocalPath = 512

// LocalPath returns p when it is a path on this site, else fallback: a
// redirect target taken from a request must not lead elsewhere. Browsers
// drop tabs and line breaks from a Location and read a backslash as a
// slash, so "/\t/evil.example" would lead to //evil.example: only a clean
// absolute path, with its query and fragment, passes — no scheme, no host,
// no control, space or direction characters, no backslash, no "//" start.
func LocalPath(p, fallback string) string {
	if len(p) > maxLocalPath || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || !utf8.ValidString(p) {
		return fallback
	}
	for _, c := range p {
		if c == '\\' || unicode.IsControl(c) || unicode.IsSpace(c) || textcheck.IsBidiControl(c) {
			return fallback
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	return p
}
