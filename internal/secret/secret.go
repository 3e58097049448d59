// Package secret seals stored credentials (OAuth tokens, client secrets,
// legacy access tokens) with AES-256-GCM. Each sealed value names the key
// that sealed it, so keys can be rotated: the newest key seals, every
// configured key still opens what it sealed.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// version marks the sealed format, so that it can change later.
const version = 1

// Errors of Open.
var (
	ErrUnknownKey = errors.New("sealed with a key that is not configured")
	ErrCorrupt    = errors.New("sealed value is corrupt or was moved from another record")
	ErrNoKeys     = errors.New("no encryption key configured: set POSLINK_SECRET_KEYS")
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Keyring holds the keys; the first one seals.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// Key is one named key.
type Key struct {
	ID    string
	Bytes []byte
}

// NewKeyring builds a keyring; keys[0] seals new values.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	kr := &Keyring{current: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		if !keyIDPattern.MatchString(k.ID) {
			return nil, fmt.Errorf("key ID %q: use 1–32 letters, digits, '-' or '_'", k.ID)
		}
		if len(k.Bytes) != KeySize {
			return nil, fmt.Errorf("key %s: %d bytes, want %d (AES-256)", k.ID, len(k.Bytes), KeySize)
		}
		if _, dup := kr.aeads[k.ID]; dup {
			return nil, fmt.Errorf("key ID %s given twice", k.ID)
		}
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		kr.aeads[k.ID] = aead
	}
	return kr, nil
}

// ParseKeys reads "id:base64key,id2:base64key" (standard or URL base64),
// newest first: the form of POSLINK_SECRET_KEYS.
func ParseKeys(s string) (*Keyring, error) {
	var keys []Key
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, enc, ok := strings.Cut(part, ":")
		if !ok {
			return nil, errors.New("want id:base64key[,id:base64key…]")
		}
		b, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("key %s: not base64: %w", id, err)
		}
		keys = append(keys, Key{ID: id, Bytes: b})
	}
	return NewKeyring(keys...)
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("invalid base64")
}

// NewKey makes a random key with the given ID.
func NewKey(id string) (Key, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	return Key{ID: id, Bytes: b}, nil
}

// Format writes keys in the form ParseKeys reads.
func Format(keys ...Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + base64.StdEncoding.EncodeToString(k.Bytes)
	}
	return strings.Join(parts, ",")
}

// CurrentKeyID is the ID of the key that seals.
func (kr *Keyring) CurrentKeyID() string { return kr.current }

// Seal encrypts plaintext with the current key. aad names the record the
// value belongs to: Open fails if the value is copied to another record.
// Layout: version byte, key ID length, key ID, nonce, ciphertext+tag.
func (kr *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	if kr == nil {
		return nil, ErrNoKeys
	}
	aead := kr.aeads[kr.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteByte(version)
	buf.WriteByte(byte(len(kr.current)))
	buf.WriteString(kr.current)
	buf.Write(nonce)
	return aead.Seal(buf.Bytes(), nonce, plaintext, aad), nil
}

// Open decrypts a value sealed by Seal with the same aad.
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if kr == nil {
		return nil, ErrNoKeys
	}
	id, rest, err := KeyIDOf(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := kr.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownKey, id)
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	nonce, ct := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// KeyIDOf reads the key ID of a sealed value (and what follows it), for
// finding values still sealed with an old key.
func KeyIDOf(sealed []byte) (string, []byte, error) {
	if len(sealed) < 2 || sealed[0] != version || len(sealed) < 2+int(sealed[1]) {
		return "", nil, ErrCorrupt
	}
	n := int(sealed[1])
	return string(sealed[2 : 2+n]), sealed[2+n:], nil
}
