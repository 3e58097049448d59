package simclock

import (
	"encoding/json"
	"net/http"
	"time"
)

// clockState is the admin endpoint's JSON.
type clockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

// clockChange is what a POST to the admin endpoint may ask, applied in
// this order: set, advance, then freeze or resume.
type clockChange struct {
	Set     *time.Time `json:"set"`
	Advance string     `json:"advance"`
	Freeze  *bool      `json:"freeze"`
}

// ServeHTTP is the clock's admin endpoint: GET reads it; POST with
// {"set": RFC 3339, "advance": "1h", "freeze": true|false} moves it.
func (c *Clock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		var ch clockChange
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ch); err != nil {
			http.Error(w, "clock: "+err.Error(), http.StatusBadRequest)
			return
		}
		var adv time.Duration
		if ch.Advance != "" {
			d, err := time.ParseDuration(ch.Advance)
			if err != nil {
				http.Error(w, "clock: advance: want a Go duration such as \"1h\"", http.StatusBadRequest)
				return
			}
			adv = d
		}
		if ch.Set != nil {
			c.Set(*ch.Set)
		}
		c.Advance(adv)
		if ch.Freeze != nil {
			if *ch.Freeze {
				c.Freeze(c.Now())
			} else {
				c.Resume()
			}
		}
	default:
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(clockState{Now: c.Now(), Frozen: c.Frozen()})
}
