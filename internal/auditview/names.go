// Package auditview turns audit log entries into what people read: a
// sentence in the reader's language with what changed, before → after,
// naming cameras, POS links, users and tenants rather than their IDs, and
// who made the change as the reader may see it. The staff's 監査ログ and
// the owner's 操作履歴, on the page and in the CSV, read entries through it.
// It knows nothing of HTTP.
package auditview

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
)

// Names are the names of what a batch of entries refers to by ID, read
// in one query.
type Names struct {
	cameras     map[int64]camera
	connections map[int64]connection
	users       map[int64]user
	tenants     map[int64]string
}

type camera struct{ name, deviceID string }

type connection struct{ provider, externalID, name string }

type user struct{ email, role string }

// Resolve reads the names the entries refer to: their targets, the
// cameras and POS links in their details, their actors and tenants. With
// tenantID set (an owner reading), only that tenant's are read: an ID of
// anything else stays unnamed.
func Resolve(ctx context.Context, q db.Querier, tenantID int64, entries []audit.Entry) (Names, error) {
	var ids struct{ cameras, connections, users, tenants []int64 }
	for _, e := range entries {
		if kind, id, ok := target(e); ok {
			switch kind {
			case "camera":
				ids.cameras = append(ids.cameras, id)
			case "connection":
				ids.connections = append(ids.connections, id)
			case "user":
				ids.users = append(ids.users, id)
			case "tenant":
				ids.tenants = append(ids.tenants, id)
			}
		}
		d := details(e.Details)
		for _, k := range []string{"camera_id", "previous_camera_id"} {
			if id, ok := d.id(k); ok {
				ids.cameras = append(ids.cameras, id)
			}
		}
		for _, b := range d.objects("ended") {
			if id, ok := b.id("camera_id"); ok {
				ids.cameras = append(ids.cameras, id)
			}
		}
		if id, ok := d.id("connection_id"); ok {
			ids.connections = append(ids.connections, id)
		}
		if e.Actor.UserID != 0 {
			ids.users = append(ids.users, e.Actor.UserID)
		}
		if e.TenantID != 0 {
			ids.tenants = append(ids.tenants, e.TenantID)
		}
	}
	n := Names{cameras: map[int64]camera{}, connections: map[int64]connection{}, users: map[int64]user{}, tenants: map[int64]string{}}
	if len(entries) == 0 {
		return n, nil
	}
	rows, err := q.Query(ctx, `
		SELECT 'camera', id, name, device_id, '' FROM cameras
		WHERE id = ANY($1) AND ($5 = 0 OR tenant_id = $5)
		UNION ALL
		SELECT 'connection', id, name, external_id, provider FROM pos_connections
		WHERE id = ANY($2) AND ($5 = 0 OR tenant_id = $5)
		UNION ALL
		SELECT 'user', id, email, role, '' FROM users
		WHERE id = ANY($3) AND ($5 = 0 OR tenant_id = $5)
		UNION ALL
		SELECT 'tenant', id, name, '', '' FROM tenants
		WHERE id = ANY($4) AND ($5 = 0 OR id = $5)`,
		ids.cameras, ids.connections, ids.users, ids.tenants, tenantID)
	if err != nil {
		return Names{}, fmt.Errorf("read names of audit entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, a, b, c string
		var id int64
		if err := rows.Scan(&kind, &id, &a, &b, &c); err != nil {
			return Names{}, fmt.Errorf("read names of audit entries: %w", err)
		}
		switch kind {
		case "camera":
			n.cameras[id] = camera{name: a, deviceID: b}
		case "connection":
			n.connections[id] = connection{name: a, externalID: b, provider: c}
		case "user":
			n.users[id] = user{email: a, role: b}
		case "tenant":
			n.tenants[id] = a
		}
	}
	if err := rows.Err(); err != nil {
		return Names{}, fmt.Errorf("read names of audit entries: %w", err)
	}
	return n, nil
}

// target is an entry's target as a kind and an ID ("camera:12").
func target(e audit.Entry) (kind string, id int64, ok bool) {
	kind, idText, ok := strings.Cut(e.Target, ":")
	if !ok {
		return "", 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return kind, id, true
}
