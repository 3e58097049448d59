package ubiregi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// shape is the merged structure of JSON values seen at one path, the way
// shared/tools/fidelity.py sees it: types, nullness, keys of objects (and
// in how many of them each appeared), elements of arrays.
type shape struct {
	types    map[string]bool
	null     bool
	keys     map[string]*shape
	keyCount map[string]int
	seen     int
	items    *shape
}

func newShape() *shape {
	return &shape{types: map[string]bool{}, keys: map[string]*shape{}, keyCount: map[string]int{}}
}

func (s *shape) add(v any) {
	switch v := v.(type) {
	case nil:
		s.null = true
	case map[string]any:
		s.types["object"] = true
		s.seen++
		for k, x := range v {
			if s.keys[k] == nil {
				s.keys[k] = newShape()
			}
			s.keys[k].add(x)
			s.keyCount[k]++
		}
	case []any:
		s.types["array"] = true
		for _, x := range v {
			if s.items == nil {
				s.items = newShape()
			}
			s.items.add(x)
		}
	case string:
		s.types["string"] = true
	case float64:
		s.types["number"] = true
	case bool:
		s.types["bool"] = true
	}
}

// differences lists what fidelity.py would count: MISSING, SOMETIMES,
// TYPE and NULL.
func differences(sample, sim *shape, path string) []string {
	var out []string
	if len(sample.types) > 0 { // a null-only sample means "any"
		for t := range sim.types {
			if !sample.types[t] {
				out = append(out, fmt.Sprintf("TYPE %s: sim has %s", path, t))
			}
		}
		if sim.null && !sample.null {
			out = append(out, "NULL "+path)
		}
	}
	if sample.types["object"] && sim.types["object"] {
		for k, ks := range sample.keys {
			kp := path + "." + k
			if sim.keys[k] == nil {
				out = append(out, "MISSING "+kp)
				continue
			}
			if sample.keyCount[k] == sample.seen && sim.keyCount[k] < sim.seen {
				out = append(out, "SOMETIMES "+kp)
			}
			out = append(out, differences(ks, sim.keys[k], kp)...)
		}
	}
	if sample.items != nil && sim.types["array"] {
		if sim.items == nil {
			out = append(out, "EMPTY "+path+"[]") // element structure unchecked
		} else {
			out = append(out, differences(sample.items, sim.items, path+"[]")...)
		}
	}
	slices.Sort(out)
	return out
}

func shapeOf(t *testing.T, b []byte) *shape {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	s := newShape()
	s.add(v)
	return s
}

// keyOrders maps each object path ("$", "$.checkouts[]", …) to the key
// order of the first object seen there.
func keyOrders(t *testing.T, b []byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(b))
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				keys = append(keys, k.(string))
				if err := walk(path + "." + k.(string)); err != nil {
					return err
				}
			}
			if _, ok := out[path]; !ok {
				out[path] = keys
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(path + "[]"); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk("$"); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStructureMatchesRealSample compares a busy page of the simulator
// with the real response in testdata (copied from s-takano/ubiapi, MIT):
// every key path and type of the sample, in the sample's key order.
func TestStructureMatchesRealSample(t *testing.T) {
	f := newFixture(t, 3)
	f.clock.Set(day.Add(24 * time.Hour))
	tok := f.token()
	_, body := f.api(tok.AccessToken, "/api/3/accounts/current/checkouts?"+url.Values{"since": {utc(day.Add(11 * time.Hour))}}.Encode())
	real, err := os.ReadFile("testdata/resp_checkouts.json")
	if err != nil {
		t.Fatal(err)
	}
	// The page must show every kind the sample has, with lines and taxes.
	for _, want := range []string{`"status":"close"`, `"status":"delete"`, `"closed_at":null`, `"tax_type":"included"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Fatalf("the page has no %s: pick a busier window", want)
		}
	}
	if d := differences(shapeOf(t, real), shapeOf(t, body), "$"); len(d) > 0 {
		t.Errorf("structure differs from the real sample:\n%s", strings.Join(d, "\n"))
	}
	want, got := keyOrders(t, real), keyOrders(t, body)
	for path, keys := range want {
		if !slices.Equal(got[path], keys) {
			t.Errorf("key order at %s:\n sim    %v\n sample %v", path, got[path], keys)
		}
	}

	// The closed checkouts also match the real POST response's checkout.
	add, err := os.ReadFile("testdata/resp_add.json")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Checkouts []map[string]any `json:"checkouts"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	closed := newShape()
	for _, c := range page.Checkouts {
		if c["status"] == "close" {
			closed.add(c)
		}
	}
	var addDoc struct {
		Checkouts []any `json:"checkouts"`
	}
	if err := json.Unmarshal(add, &addDoc); err != nil {
		t.Fatal(err)
	}
	sample := newShape()
	sample.add(addDoc.Checkouts[0])
	if d := differences(sample, closed, "$.checkouts[]"); len(d) > 0 {
		t.Errorf("closed checkouts differ from resp_add.json:\n%s", strings.Join(d, "\n"))
	}
}
