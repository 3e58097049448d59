package portal_test

import (
	"context"
	"io"
	"net/http"
	"time"
)

// getBriefly GETs an event stream and reads it for a moment: a stream
// ends only when its client or server goes.
func (c *client) getBriefly(path string) (*http.Response, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body) // cut short by the deadline
	return res, string(b)
}
