package portal_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/dashboard/dashtest"
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

// sseEvent is one event of a stream as a client parses it.
type sseEvent struct {
	id, event, data string
}

// openEvents opens an event stream with the bearer token and sends its
// events on the channel returned, which closes when the stream ends; the
// stream ends with the test.
func openEvents(t *testing.T, url, token string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	events := make(chan sseEvent, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "":
				if ev.event != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return events
}

// The viewer's stream sends a transaction when it is stored and again,
// cancelled, when it changes later: the same id in the data, a later
// event id, revision 2, each a StreamedTransaction of the OpenAPI
// document. A transaction of before the stream began that changes comes
// too.
func TestAPIStreamSendsChanges(t *testing.T) {
	fx := newDashFixture(t)
	token := createToken(t, fx.owner, "viewer")
	events := openEvents(t, fx.e.srv.URL+"/api/v1/cameras/"+itoa(fx.cam)+"/transactions/stream", token)
	schema := apiDoc.Components.Schemas["StreamedTransaction"].Value
	next := func() (map[string]any, int64) {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(ev.data), &v); err != nil || ev.event != "transaction" {
				t.Fatalf("event %+v: %v", ev, err)
			}
			if err := schema.VisitJSON(v); err != nil {
				t.Errorf("the event's data is no StreamedTransaction: %v\n%s", err, ev.data)
			}
			place, err := strconv.ParseInt(ev.id, 10, 64)
			if err != nil {
				t.Fatalf("event id %q", ev.id)
			}
			return v, place
		case <-time.After(30 * time.Second):
			t.Fatal("no event in 30 s")
			return nil, 0
		}
	}

	id := fx.txn(t, testNow.Add(-time.Minute), "payment", "R-API", "高橋", 4321)
	got, stored := next()
	if got["id"] != float64(id) || got["kind"] != "payment" || got["revision"] != 1.0 || stored != id {
		t.Errorf("the new transaction %d came as %v, event id %d", id, got, stored)
	}
	dashtest.Revise(t, fx.e.pool, id, false, "cancel", 4321)
	got, changed := next()
	if got["id"] != float64(id) || got["kind"] != "cancel" || got["revision"] != 2.0 || got["receipt_no"] != "R-API" || changed <= stored {
		t.Errorf("the cancel came as %v, event id %d after %d", got, changed, stored)
	}
	dashtest.Revise(t, fx.e.pool, fx.pay, true, "delete", 1200)
	if got, place := next(); got["id"] != float64(fx.pay) || got["kind"] != "delete" || place <= changed {
		t.Errorf("the deletion of %d came as %v, event id %d", fx.pay, got, place)
	}
	select {
	case ev := <-events:
		t.Errorf("the stream sent more: %+v", ev)
	case <-time.After(300 * time.Millisecond):
	}
}
