package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/textcheck"
)

// MaxValueBytes bounds every value a request brings (a query or form value,
// a JSON string, their names, the path): far above any field's own limit,
// so that only hand-made requests meet it.
const MaxValueBytes = 4 << 10

// errBadInput is text no field takes, refused where the request comes in.
var errBadInput = apperr.New(apperr.Invalid, "err.bad_input")

// CheckInput refuses, with 400 and a message, a request whose path, query,
// urlencoded form or JSON body holds a value that is not UTF-8, holds NUL,
// or is longer than MaxValueBytes, before its handler runs: no such value
// reaches a query (PostgreSQL refuses them with an error that used to be a
// 500) or a page. Each field's own rules (length, characters) are the
// domain's, later. A malformed query, form or JSON body is ErrBadRequest.
// It goes after LimitBody, since it reads a JSON body whole.
func (rs *Responder) CheckInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequest(r); err != nil {
			rs.Respond(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func checkRequest(r *http.Request) error {
	if p := textcheck.Raw(r.URL.Path, MaxValueBytes); p != textcheck.OK {
		return badInput("", p)
	}
	// r.URL.Query would drop what it cannot parse; the handlers must not
	// see a query other than the one sent.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, ErrBadRequest.Key)
	}
	if err := checkValues(q); err != nil {
		return err
	}
	// A GET's body is no input: nothing reads it.
	if r.Body == nil || r.Body == http.NoBody || safeMethod(r.Method) {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-www-form-urlencoded":
		if err := ParseForm(r); err != nil {
			return err
		}
		return checkValues(r.PostForm)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return checkJSON(r)
	}
	return nil
}

func checkValues(vs url.Values) error {
	for k, list := range vs {
		if p := textcheck.Raw(k, MaxValueBytes); p != textcheck.OK {
			return badInput("", p)
		}
		for _, v := range list {
			if p := textcheck.Raw(v, MaxValueBytes); p != textcheck.OK {
				return badInput(k, p)
			}
		}
	}
	return nil
}

// checkJSON checks every string, object key included, of a JSON body, and
// puts the body back for the handler: a JSON string can carry NUL as
// \u0000, which no check of the bytes sees.
func checkJSON(r *http.Request) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, ErrBadRequest.Key)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	if !utf8.Valid(b) {
		return badInput("", textcheck.InvalidUTF8)
	}
	if !json.Valid(b) {
		return ErrBadRequest
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apperr.Wrap(apperr.Invalid, err, ErrBadRequest.Key)
		}
		// Decoded, a string is valid UTF-8 (an unpaired surrogate becomes
		// U+FFFD): NUL and the length remain to be seen.
		if s, ok := tok.(string); ok {
			if p := textcheck.Raw(s, MaxValueBytes); p != textcheck.OK {
				return badInput("", p)
			}
		}
	}
}

// badInput is the 400 of a value refused at the door. The field is named
// (for problem+json) only when it is a plausible field name: a hostile
// name is not echoed.
func badInput(field string, p textcheck.Problem) error {
	e := *errBadInput
	if field != "" && len(field) <= 64 && textcheck.Line(field, 64) == textcheck.OK {
		e.Fields = map[string]string{field: p.Key()}
	}
	return &e
}
