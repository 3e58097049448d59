package ubiregi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/sim/simclock"
)

// A grant saved by one simulator works on another restored from it, and
// refreshes there: what a demo restart needs.
func TestStateSurvivesARestart(t *testing.T) {
	clock := simclock.NewFrozen(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	setup := func() (*Server, int64) {
		s := New(Config{Seed: 1, Clock: clock})
		if err := s.RegisterClient(Client{ID: "c", Secret: "s", RedirectURIs: []string{"http://x/cb"}}); err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAccount(Account{Login: "shop", Email: "shop@example.com", Password: "pw-123456", Devices: 1})
		if err != nil {
			t.Fatal(err)
		}
		return s, a.ID
	}
	first, acct := setup()
	tok, err := first.IssueToken("c", acct)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(first.SaveState())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	second, _ := setup()
	second.RestoreState(st)
	srv := httptest.NewServer(second)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/3/accounts/current", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("restored access token: %d", res.StatusCode)
	}
	if len(second.SaveState().Grants) != 1 {
		t.Fatal("restored grant not kept")
	}
	// Past the refresh token's life, a saved grant is not brought back.
	clock.Advance(15 * 24 * time.Hour)
	third, _ := setup()
	third.RestoreState(st)
	if n := len(third.SaveState().Grants); n != 0 {
		t.Fatalf("%d expired grants restored", n)
	}
}
