package support

import (
	"fmt"
	"strings"
)

// The search's parameters: $1 the query (NFKC-folded), $2 the same escaped
// for LIKE, $3 whether IDs match in part, $4 whether names do, $5 how many
// rows to return, $6 and $7 the query and its pattern lower-cased as e-mail
// addresses are stored (by Go), $8 whether the query can be part of a
// Ubiregi device GUID.

// searched is a column the search reads: the kind of match (k, numbered
// in the order results list them), the rows (from, as x, and where), the
// value compared (col) with the query (q) and its LIKE pattern (pat), and
// the parameter that lets it match in part, with what else the rows that
// match in part must be (partWhere, optional).
type searched struct {
	k                        int
	from, where, col, q, pat string
	partial, partWhere       string
}

// Names are compared in their search_name columns, NFKC-folded and
// lower-cased in SQL, as lower($1) folds the query, so that both sides
// fold alike; IDs lower-cased. Only linked connections and current
// bindings are searched: what staff are asked about is what feeds now.
var searchedColumns = []searched{
	{k: 1, from: "tenants x", where: "true", col: "x.search_name", q: "lower($1)", pat: "lower($2)", partial: "$4"},
	{k: 2, from: "users x", where: "x.role = 'owner'", col: "x.email", q: "$6", pat: "$7", partial: "$3"},
	{k: 3, from: "pos_connections x", where: "x.status <> 'unlinked'", col: "lower(x.external_id)",
		q: "lower($1)", pat: "lower($2)", partial: "$3"},
	// Terminal keys in part: only Ubiregi's device GUIDs. Smaregi's keys
	// are short numbers ("1:3" is not "1:33"), found whole or by their
	// terminal part (termPartSQL).
	{k: 4, from: "terminal_bindings x", where: "x.unbound_at IS NULL", col: "lower(x.terminal_key)",
		q: "lower($1)", pat: "lower($2)", partial: "$8",
		partWhere: "EXISTS (SELECT 1 FROM pos_connections c WHERE c.id = x.connection_id AND c.provider = 'ubiregi')"},
	{k: 5, from: "terminal_bindings x", where: "x.unbound_at IS NULL", col: "x.search_name",
		q: "lower($1)", pat: "lower($2)", partial: "$4"},
	{k: 6, from: "cameras x", where: "true", col: "lower(x.device_id)", q: "lower($1)", pat: "lower($2)", partial: "$3"},
}

// termPartSQL finds terminals by the 端末ID a customer reads: the terminal
// part of Smaregi's "storeId:terminalId" (Ubiregi's GUIDs hold no colon,
// so that their part is empty), closeness 1.
const termPartSQL = `(SELECT 4 AS k, 1 AS closeness, x.id FROM terminal_bindings x
	WHERE x.unbound_at IS NULL AND split_part(x.terminal_key, ':', 2) = $1 ORDER BY x.id DESC LIMIT $5)`

// branches are a column's exact and partial searches (closeness 0, and
// 2 or 3 for prefix or contains), each newest first and bounded by itself,
// so that a query that matches thousands stops at the first few; the
// partial one is skipped at its start unless its parameter allows it.
func (s searched) branches() []string {
	partial := s.partial
	if s.partWhere != "" {
		partial += " AND " + s.partWhere
	}
	return []string{
		fmt.Sprintf("(SELECT %d AS k, 0 AS closeness, x.id FROM %s WHERE %s AND %s = %s ORDER BY x.id DESC LIMIT $5)",
			s.k, s.from, s.where, s.col, s.q),
		fmt.Sprintf(`(SELECT %d AS k, CASE WHEN %s LIKE %s || '%%' THEN 2 ELSE 3 END AS closeness, x.id FROM %s
	WHERE %s AND %s AND %s LIKE '%%' || %s || '%%' AND %s <> %s ORDER BY x.id DESC LIMIT $5)`,
			s.k, s.col, s.pat, s.from, partial, s.where, s.col, s.pat, s.col, s.q),
	}
}

// findSQL is the search: the hits of every branch, the best of them, and
// those read with their tenant. Nothing secret is read.
var findSQL = func() string {
	var hits []string
	for _, s := range searchedColumns {
		hits = append(hits, s.branches()...)
	}
	hits = append(hits, termPartSQL)
	return `
WITH hits AS (
` + strings.Join(hits, "\nUNION ALL\n") + `
),
best AS (SELECT * FROM hits ORDER BY closeness, k, id DESC LIMIT $5)
SELECT h.k, h.closeness,
       coalesce(tn.name, u.email, c.external_id, CASE h.k WHEN 4 THEN b.terminal_key ELSE b.terminal_name END, cam.device_id),
       t.id, t.name, coalesce(c.id, b.connection_id, 0), coalesce(c.provider, bc.provider, ''),
       coalesce(c.external_id, bc.external_id, ''), coalesce(b.terminal_key, ''), coalesce(b.terminal_name, ''),
       coalesce(cam.id, 0), coalesce(cam.name, '')
FROM best h
LEFT JOIN tenants tn ON h.k = 1 AND tn.id = h.id
LEFT JOIN users u ON h.k = 2 AND u.id = h.id
LEFT JOIN pos_connections c ON h.k = 3 AND c.id = h.id
LEFT JOIN terminal_bindings b ON h.k IN (4, 5) AND b.id = h.id
LEFT JOIN pos_connections bc ON bc.id = b.connection_id
LEFT JOIN cameras cam ON h.k = 6 AND cam.id = h.id
JOIN tenants t ON t.id = coalesce(tn.id, u.tenant_id, c.tenant_id, b.tenant_id, cam.tenant_id)
ORDER BY h.closeness, h.k, h.id DESC`
}()
