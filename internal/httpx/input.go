package httpx

import (
	"net/http"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
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

// LocalPath returns p when it is a path on this site, else fallback: a
// redirect target taken from a request must not lead elsewhere.
func LocalPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\\") || len(p) > 512 {
		return fallback
	}
	return p
}
