package portal_test

import (
	"testing"
)

// seenOf is the version a page shows of a terminal of a connection: the
// ID of its current binding, "0" when it feeds no camera.
func (e *env) seenOf(t *testing.T, connID int64, key string) string {
	t.Helper()
	var id int64
	if err := e.pool.QueryRow(t.Context(), `SELECT coalesce(max(id), 0) FROM terminal_bindings
		WHERE connection_id = $1 AND terminal_key = $2 AND unbound_at IS NULL`, connID, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// seenAll are the IDs of a connection's current bindings, as a delete's
// confirmation carries them.
func (e *env) seenAll(t *testing.T, connID int64) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), `SELECT id FROM terminal_bindings
		WHERE connection_id = $1 AND unbound_at IS NULL ORDER BY id`, connID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, itoa(id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
