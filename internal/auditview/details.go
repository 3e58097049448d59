package auditview

import (
	"math"
	"strings"
)

// details reads an entry's details as JSON decoded them. Each accessor
// says whether the key holds a value of its kind: an entry written by an
// older or newer writer, or clipped, lacks what a sentence needs, and then
// reads generically.
type details map[string]any

func (d details) text(k string) (string, bool) {
	s, ok := d[k].(string)
	return s, ok
}

func (d details) number(k string) (int64, bool) {
	f, ok := d[k].(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// id is a positive number: a row's ID.
func (d details) id(k string) (int64, bool) {
	n, ok := d.number(k)
	return n, ok && n > 0
}

func (d details) flag(k string) (value, ok bool) {
	value, ok = d[k].(bool)
	return value, ok
}

func (d details) object(k string) (details, bool) {
	m, ok := d[k].(map[string]any)
	return details(m), ok
}

// objects are the objects of the list under k; anything else in it is
// left out.
func (d details) objects(k string) []details {
	list, _ := d[k].([]any)
	var out []details
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, details(m))
		}
	}
	return out
}

// secretKey says whether a key names a secret. Details must never hold
// one (audit.Entry says so, and the writers' tests check it); masking its
// value is the second guard, so that a mistake elsewhere is not shown to
// every reader or copied into every export.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token")
}
