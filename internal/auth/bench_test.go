package auth_test

import (
	"testing"

	"github.com/poslink/poslink/internal/apperr"
)

// A right password: the reservation, argon2 and the give-back.
func BenchmarkLoginRightPassword(b *testing.B) {
	f := newFixture(b)
	for b.Loop() {
		if err := f.login(ownerEmail, ownerPW, "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

// A paused attempt: what a flood from one address costs once held back
// (the reservation's transaction, no argon2).
func BenchmarkLoginPaused(b *testing.B) {
	f := newFixture(b)
	for range policy.PerAccountAddress.Max {
		_ = f.login(ownerEmail, wrongPW, "203.0.113.7")
	}
	for b.Loop() {
		if err := f.login(ownerEmail, wrongPW, "203.0.113.7"); apperr.KindOf(err) != apperr.Throttled {
			b.Fatalf("want a pause, got %v", err)
		}
	}
}
