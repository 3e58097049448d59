// Package textcheck is where text from outside (forms, query strings,
// operator commands) is checked once, before it reaches a query or a page:
// valid UTF-8, no NUL or other control characters, no invisible direction
// controls, bounded length. It knows nothing of HTTP; callers turn a
// Problem into their error (its Key is the message).
package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is what is wrong with a text, or OK.
type Problem int

// The problems, in the order Check looks for them.
const (
	OK          Problem = iota
	InvalidUTF8         // bytes that are not UTF-8
	Control             // NUL, another C0/C1 control character or DEL
	Bidi                // an invisible direction control (U+202E …)
	TooLong             // more than the limit
)

// Key is the i18n key of the message that tells a person the problem.
func (p Problem) Key() string {
	switch p {
	case InvalidUTF8, Control:
		return "err.text_invalid"
	case Bidi:
		return "err.text_bidi"
	case TooLong:
		return "err.text_too_long"
	}
	return ""
}

// Line checks one line of text a person typed (a name, an ID, a memo line):
// UTF-8, no control characters at all (tab and newline included), no
// direction controls, at most maxRunes characters.
func Line(s string, maxRunes int) Problem {
	return check(s, maxRunes, false)
}

// Lines is Line for a multi-line field (a textarea): tab, CR and LF pass.
func Lines(s string, maxRunes int) Problem {
	return check(s, maxRunes, true)
}

func check(s string, maxRunes int, multiline bool) Problem {
	if !utf8.ValidString(s) {
		return InvalidUTF8
	}
	n := 0
	for _, r := range s {
		switch {
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			return Control
		case IsBidiControl(r):
			return Bidi
		}
		n++
	}
	if n > maxRunes {
		return TooLong
	}
	return OK
}

// Raw checks a value as it arrives in a request, before any field knows it:
// UTF-8, no NUL, at most maxBytes bytes. Field rules come later; this keeps
// bytes that PostgreSQL refuses (NUL, invalid UTF-8) and oversized values
// from ever reaching a query.
func Raw(s string, maxBytes int) Problem {
	switch {
	case len(s) > maxBytes:
		return TooLong
	case !utf8.ValidString(s):
		return InvalidUTF8
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return Control
		}
	}
	return OK
}

// IsBidiControl reports whether r is one of the invisible characters that
// change the direction text is shown in (Unicode's Bidi_Control property):
// a name holding one can read differently from what it is.
func IsBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// Clip makes text we store that came from elsewhere, with no person to
// tell (an error's words, a provider's account, store and register names),
// fit its column and the pages, where checking would refuse it: invalid
// UTF-8 becomes U+FFFD, control characters (NUL included, which
// PostgreSQL's text refuses) spaces, invisible direction controls (which
// would make a name read backwards) are dropped, the ends are trimmed, and
// it is cut at n characters.
func Clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case IsBidiControl(r):
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}
