package smaregi

import (
	"strconv"
	"unicode/utf8"
)

// object writes one JSON object with its keys in the order they are added.
// The real API's field order is part of what the simulator imitates, and a
// byte-identical answer for the same seed and clock needs a fixed order, so
// the heads are written field by field rather than through maps. keep, when
// set, is the `fields` selection: other keys are left out.
type object struct {
	b    *[]byte
	n    int
	keep map[string]bool
}

// beginObject starts an object in b.
func beginObject(b *[]byte, keep map[string]bool) object {
	*b = append(*b, '{')
	return object{b: b, keep: keep}
}

func (o *object) end() { *o.b = append(*o.b, '}') }

// key writes the key and reports whether its value is wanted.
func (o *object) key(k string) bool {
	if o.keep != nil && !o.keep[k] {
		return false
	}
	if o.n > 0 {
		*o.b = append(*o.b, ',')
	}
	o.n++
	*o.b = appendJSONString(*o.b, k)
	*o.b = append(*o.b, ':')
	return true
}

// str writes a string value.
func (o *object) str(k, v string) {
	if o.key(k) {
		*o.b = appendJSONString(*o.b, v)
	}
}

// opt writes v, or null when v is empty: the API has null where a column
// has no value.
func (o *object) opt(k, v string) {
	if v == "" {
		o.null(k)
		return
	}
	o.str(k, v)
}

// num writes an integer as a string value: every value of the API is a
// string, numbers included.
func (o *object) num(k string, v int64) {
	if o.key(k) {
		*o.b = append(*o.b, '"')
		*o.b = strconv.AppendInt(*o.b, v, 10)
		*o.b = append(*o.b, '"')
	}
}

// null writes a JSON null.
func (o *object) null(k string) {
	if o.key(k) {
		*o.b = append(*o.b, "null"...)
	}
}

// int writes a bare JSON number (problem JSON's status, legacy error codes).
func (o *object) int(k string, v int64) {
	if o.key(k) {
		*o.b = strconv.AppendInt(*o.b, v, 10)
	}
}

// list writes an array of objects, each written by item.
func (o *object) list(k string, n int, item func(i int, b *[]byte)) {
	if !o.key(k) {
		return
	}
	*o.b = append(*o.b, '[')
	for i := range n {
		if i > 0 {
			*o.b = append(*o.b, ',')
		}
		item(i, o.b)
	}
	*o.b = append(*o.b, ']')
}

// sub writes a nested object.
func (o *object) sub(k string, write func(b *[]byte)) {
	if o.key(k) {
		write(o.b)
	}
}

// appendJSONString appends s as a JSON string. Non-ASCII text (Japanese
// names) stays UTF-8; quotes, backslashes and control characters are
// escaped, invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
