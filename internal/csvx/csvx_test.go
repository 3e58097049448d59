package csvx

import (
	"strings"
	"testing"
)

func TestCellsAreNeverFormulas(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	w.WriteNumbers([]string{"=1+1", "-500", "-500", "+81 3", "@SUM(A1)", "-1+1", "ok"}, 2, 5)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF'=1+1,'-500,-500,'+81 3,'@SUM(A1),'-1+1,ok\r\n"
	if b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
}
