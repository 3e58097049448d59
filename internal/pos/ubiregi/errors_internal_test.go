package ubiregi

import "testing"

func TestParseBearerChallenge(t *testing.T) {
	for h, want := range map[string]map[string]string{
		`Bearer error="invalid_token",expired=true`:      {"error": "invalid_token", "expired": "true"},
		`Bearer error="invalid_token"`:                   {"error": "invalid_token"},
		`bearer  error = "invalid_token" , Expired=true`: {"error": "invalid_token", "expired": "true"},
		`Bearer realm="Ubiregi"`:                         {"realm": "Ubiregi"},
	} {
		got, ok := parseBearerChallenge(h)
		if !ok || len(got) != len(want) {
			t.Errorf("%s: %v", h, got)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", h, k, got[k], v)
			}
		}
	}
	if _, ok := parseBearerChallenge(`Basic realm="x"`); ok {
		t.Error("a Basic challenge read as Bearer")
	}
}
