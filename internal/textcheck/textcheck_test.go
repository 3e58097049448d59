package textcheck

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		max  int
		want Problem
	}{
		{"japanese", "カフェ 渋谷店", 100, OK},
		{"emoji with joiner", "👩‍🍳 kitchen", 100, OK},
		{"empty", "", 100, OK},
		{"exactly the limit in runes", strings.Repeat("店", 100), 100, OK},
		{"one over", strings.Repeat("店", 101), 100, TooLong},
		{"invalid utf-8", "a\xffb", 100, InvalidUTF8},
		{"NUL", "a\x00b", 100, Control},
		{"tab", "a\tb", 100, Control},
		{"newline", "a\nb", 100, Control},
		{"DEL", "a\x7fb", 100, Control},
		{"C1 control", "a\u0085b", 100, Control},
		{"right-to-left override", "abc\u202Etxt.exe", 100, Bidi},
		{"left-to-right isolate", "\u2066x\u2069", 100, Bidi},
		{"right-to-left mark", "a\u200Fb", 100, Bidi},
		{"arabic letter mark", "a\u061Cb", 100, Bidi},
		{"markup is text", "<script>alert(1)</script>", 100, OK},
	} {
		if got := Line(c.in, c.max); got != c.want {
			t.Errorf("%s: Line(%q) = %v, want %v", c.name, c.in, got, c.want)
		}
	}
}

func TestLinesAllowsLineBreaksOnly(t *testing.T) {
	if p := Lines("一行目\r\n二行目\tタブ", 100); p != OK {
		t.Errorf("multi-line text refused: %v", p)
	}
	for _, in := range []string{"a\x00b", "a\u202Eb", "a\x1bb"} {
		if p := Lines(in, 100); p == OK {
			t.Errorf("Lines(%q) passed", in)
		}
	}
}

func TestRaw(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want Problem
	}{
		{"普通の値", 100, OK},
		{"tab\tand\u202Epass here", 100, OK}, // field rules judge these later
		{"a\x00", 100, Control},
		{"\xff", 100, InvalidUTF8},
		{strings.Repeat("x", 10), 10, OK},
		{strings.Repeat("x", 11), 10, TooLong},
	} {
		if got := Raw(c.in, c.max); got != c.want {
			t.Errorf("Raw(%q, %d) = %v, want %v", c.in, c.max, got, c.want)
		}
	}
}

func TestEveryProblemHasAMessage(t *testing.T) {
	for p := InvalidUTF8; p <= TooLong; p++ {
		if p.Key() == "" {
			t.Errorf("problem %d has no message key", p)
		}
	}
	if OK.Key() != "" {
		t.Error("OK has a message")
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"japanese kept", "カフェ 渋谷店", 100, "カフェ 渋谷店"},
		{"NUL becomes a space", "device\x00offline", 100, "device offline"},
		{"other controls too", "a\tb\nc\x1bd\u0085e", 100, "a b c d e"},
		{"invalid utf-8", "a\xffb", 100, "a\uFFFDb"},
		{"direction control dropped", "abc\u202Etxt.exe", 100, "abctxt.exe"},
		{"ends trimmed", "\x00 レジ1 \n", 100, "レジ1"},
		{"cut at n runes", strings.Repeat("店", 10), 4, "店店店店"},
		{"n runes kept whole", strings.Repeat("店", 4), 4, "店店店店"},
		{"no space left at the cut", "ab cd", 3, "ab"},
		{"empty", "", 10, ""},
	} {
		got := Clip(c.in, c.n)
		if got != c.want {
			t.Errorf("%s: Clip(%q, %d) = %q, want %q", c.name, c.in, c.n, got, c.want)
		}
		if Line(got, c.n) != OK {
			t.Errorf("%s: Clip(%q, %d) = %q does not pass Line", c.name, c.in, c.n, got)
		}
	}
}
