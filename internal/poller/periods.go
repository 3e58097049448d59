package poller

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// periodsSQL reads the binding periods of connection $1
// (pos_binding_periods, the one definition of which camera a sale
// belongs to; an open period ends NULL).
const periodsSQL = `SELECT terminal_key, camera_id, terminal_name, from_at, nullif(to_at, 'infinity')
FROM pos_binding_periods($1)`

// period is when a binding decides the camera of a register's sales.
type period struct {
	camera   int64
	name     string
	from     time.Time
	to       *time.Time // nil: still bound
	terminal string
}

// periods are a connection's binding periods by register.
type periods map[string][]period

func readPeriods(br pgx.BatchResults) (periods, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("read binding periods: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (period, error) {
		var p period
		err := r.Scan(&p.terminal, &p.camera, &p.name, &p.from, &p.to)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("read binding periods: %w", err)
	}
	ps := periods{}
	for _, p := range list {
		ps[p.terminal] = append(ps[p.terminal], p)
	}
	return ps, nil
}

// at is the camera and register name of a sale of the register at t, as
// the SQL that re-attributes stored sales picks them: the latest period
// that holds t; nil and "" when none does.
func (ps periods) at(terminal string, t time.Time) (*int64, string) {
	var best *period
	for i := range ps[terminal] {
		p := &ps[terminal][i]
		if !t.Before(p.from) && (p.to == nil || t.Before(*p.to)) && (best == nil || p.from.After(best.from)) {
			best = p
		}
	}
	if best == nil {
		return nil, ""
	}
	return &best.camera, best.name
}
