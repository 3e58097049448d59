package ubiregi

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestConcurrentClients polls, refreshes, revokes and moves the clock from
// several goroutines at once (run with -race).
func TestConcurrentClients(t *testing.T) {
	f := newFixture(t, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		tok, err := f.sim.IssueToken(testClientID, f.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			access, refresh := tok.AccessToken, tok.RefreshToken
			for j := range 30 {
				u := f.ts.URL + "/api/3/accounts/current/checkouts?" + url.Values{"since": {utc(day.Add(10 * time.Hour))}, "limit": {"20"}}.Encode()
				if resp, body := apiCall(t, u, access, ""); resp.StatusCode != 200 {
					t.Errorf("client %d poll %d: %d %s", i, j, resp.StatusCode, body)
					return
				}
				if j%10 == 9 {
					nt, err := f.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}).Token()
					if err != nil {
						t.Errorf("client %d refresh: %v", i, err)
						return
					}
					access, refresh = nt.AccessToken, nt.RefreshToken
				}
			}
		})
	}
	victim, err := f.sim.IssueToken(testClientID, f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() {
		for range 50 {
			f.clock.Advance(time.Second)
			_, _ = apiCall(t, f.ts.URL+"/api/3/accounts/current", victim.AccessToken, "")
		}
		if err := f.sim.RevokeToken(victim.RefreshToken); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if resp, _ := f.api(victim.AccessToken, "/api/3/accounts/current"); resp.StatusCode != 401 {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
}
