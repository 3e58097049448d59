package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func mustKey(t *testing.T, id string) Key {
	k, err := NewKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenAndRotation(t *testing.T) {
	old, cur := mustKey(t, "k2025"), mustKey(t, "k2026")
	before, _ := NewKeyring(old)
	sealedOld, err := before.Seal([]byte("refresh-token-xyz"), []byte("connection:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealedOld, []byte("refresh-token-xyz")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	// After rotation the new key seals and the old one still opens.
	kr, err := ParseKeys(Format(cur, old))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := kr.Open(sealedOld, []byte("connection:1")); err != nil || string(pt) != "refresh-token-xyz" {
		t.Fatalf("open with the old key after rotation: %q %v", pt, err)
	}
	sealedNew, _ := kr.Seal([]byte("x"), nil)
	if id, _, _ := KeyIDOf(sealedNew); id != "k2026" {
		t.Fatalf("sealed with %q, want the newest key", id)
	}
	// Without the old key, its values are reported, not garbled.
	onlyNew, _ := NewKeyring(cur)
	if _, err := onlyNew.Open(sealedOld, []byte("connection:1")); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old value without its key: %v", err)
	}
}

func TestTamperingAndMovingFail(t *testing.T) {
	kr, _ := NewKeyring(mustKey(t, "k1"))
	sealed, _ := kr.Seal([]byte("secret"), []byte("connection:1"))
	if _, err := kr.Open(sealed, []byte("connection:2")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("value moved to another record: %v", err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	if _, err := kr.Open(flipped, []byte("connection:1")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered value: %v", err)
	}
	for _, bad := range [][]byte{nil, {1}, {9, 2, 'k', '1'}, {1, 200, 'k'}, sealed[:10]} {
		if _, err := kr.Open(bad, []byte("connection:1")); err == nil {
			t.Errorf("Open(%v) succeeded", bad)
		}
	}
	var none *Keyring
	if _, err := none.Seal([]byte("x"), nil); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("nil keyring: %v", err)
	}
}

func TestParseKeysRejectsBadInput(t *testing.T) {
	good := Format(mustKey(t, "a"))
	for _, s := range []string{"", "nocolon", "a:!!!", "a:" + strings.Repeat("A", 10), "bad id:" + good[2:], good + "," + good} {
		if _, err := ParseKeys(s); err == nil {
			t.Errorf("ParseKeys(%q) accepted", s)
		}
	}
	if _, err := ParseKeys(" " + good + " , "); err != nil {
		t.Fatalf("spaces and a trailing comma: %v", err)
	}
}
