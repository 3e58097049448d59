// Package i18n holds the portal's messages in Japanese (the default, with the
// manuals' words) and English, and picks the language of a request.
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a supported language.
type Lang string

// The supported languages.
const (
	JA Lang = "ja"
	EN Lang = "en"
)

// Default is the language when nothing asks for another.
const Default = JA

// Parse returns the supported language named by s, if any.
func Parse(s string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case JA:
		return JA, true
	case EN:
		return EN, true
	}
	return "", false
}

// Negotiate picks the language: a remembered choice first, then the first
// supported language of the Accept-Language header (by its q values), then
// Japanese.
func Negotiate(remembered, acceptLanguage string) Lang {
	if l, ok := Parse(remembered); ok {
		return l
	}
	best, bestQ := Default, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		primary, _, _ := strings.Cut(tag, "-")
		if l, ok := Parse(primary); ok && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// T returns the message for key in lang, formatted with args. A key missing
// from the catalogue shows as itself, which the catalogue test forbids.
func T(lang Lang, key string, args ...any) string {
	cat := jaAll
	if lang == EN {
		cat = enAll
	}
	msg, ok := cat[key]
	if !ok {
		msg = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := jaAll[key]
	return ok
}

// The catalogues are kept in one file per feature; T reads them merged.
var (
	jaParts = []map[string]string{ja, jaUbiregi, jaSmaregi, jaText, jaAuth, jaLink, jaPoller, jaStatus, jaAudit, jaLinks, jaSupport, jaAPI, jaDashboard, jaAPITransactions, jaCamera, jaPicture}
	enParts = []map[string]string{en, enUbiregi, enSmaregi, enText, enAuth, enLink, enPoller, enStatus, enAudit, enLinks, enSupport, enAPI, enDashboard, enAPITransactions, enCamera, enPicture}
	jaAll   = merge(jaParts)
	enAll   = merge(enParts)
)

func merge(parts []map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range parts {
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}
