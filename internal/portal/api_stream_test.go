package portal_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The viewer's stream of a camera's new transactions: with a token it is
// an event stream of the token's tenant's camera; another tenant's camera,
// or a bad resume point, is a problem document of the OpenAPI document.
func TestAPICameraStream(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(t, "A店"), e.tenant(t, "B店")
	e.owner(t, a.ID, ownerEmail, ownerPW)
	camA := e.camera(t, a.ID, "cam-a1", "レジ前カメラ", testNow.AddDate(0, 0, -5))
	camB := e.camera(t, b.ID, "cam-b1", "B店のカメラ", testNow.AddDate(0, 0, -5))
	token := createToken(t, e.login(t, ownerEmail, ownerPW), "viewer")
	stream := func(cameraID int64) string {
		return "/api/v1/cameras/" + itoa(cameraID) + "/transactions/stream"
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+stream(camA.ID)+"?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body) // cut short by the deadline: a stream does not end
	_ = res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") ||
		!strings.HasPrefix(string(body), "retry: ") {
		t.Errorf("A's camera with A's token: %d %q %q", res.StatusCode, ct, body)
	}

	for _, c := range []struct {
		path string
		want int
	}{
		{stream(camB.ID), http.StatusNotFound},
		{stream(camA.ID) + "?after=-1", http.StatusBadRequest},
		{stream(camA.ID) + "?after=soon", http.StatusBadRequest},
	} {
		if res, body := apiCall(t, e, nil, http.MethodGet, c.path, token); res.StatusCode != c.want ||
			!strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("GET %s: %d %s, want %d", c.path, res.StatusCode, body, c.want)
		}
	}
	if res, _ := apiCall(t, e, nil, http.MethodGet, stream(camA.ID), ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d", res.StatusCode)
	}
}
