package support

// findSQL is the search, one branch per kind of match, each bounded by
// itself before the best of all are taken. Parameters: $1 the query (NFKC
// folded), $2 the same escaped for LIKE, $3 whether IDs match in part, $4
// whether names do, $5 how many rows to return, $6 and $7 the query and its
// pattern lower-cased as e-mail addresses are stored.
//
// Names are compared NFKC-folded and lower-cased on both sides in SQL, so
// that both sides fold alike; IDs (account, terminal key, device ID) are
// ASCII and compared lower-cased; Smaregi's terminal keys, short numbers,
// match whole or by their terminal part only ("1:3" is not "1:33"). Only linked connections and current
// bindings are searched: what staff are asked about is what feeds now. The
// closeness is 0 exact, 1 the terminal part of a Smaregi key, 2 prefix,
// 3 contains.
const findSQL = `
SELECT kind, closeness, value, tenant_id, tenant_name, connection_id, provider, account,
       terminal_key, terminal_name, camera_id, camera_name
FROM (
	(SELECT 'tenant_name' AS kind, 1 AS k, m.closeness, t.name AS value, t.id AS tenant_id, t.name AS tenant_name,
	        0::bigint AS connection_id, '' AS provider, '' AS account, '' AS terminal_key, '' AS terminal_name,
	        0::bigint AS camera_id, '' AS camera_name
	 FROM tenants t
	 CROSS JOIN LATERAL (SELECT lower(normalize(t.name, NFKC)) AS v) n
	 CROSS JOIN LATERAL (SELECT CASE WHEN n.v = lower($1) THEN 0 WHEN n.v LIKE lower($2) || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE n.v = lower($1) OR ($4 AND n.v LIKE '%' || lower($2) || '%')
	 ORDER BY m.closeness, t.id DESC LIMIT $5)
	UNION ALL
	(SELECT 'owner_email', 2, m.closeness, u.email, t.id, t.name, 0, '', '', '', '', 0, ''
	 FROM users u JOIN tenants t ON t.id = u.tenant_id
	 CROSS JOIN LATERAL (SELECT CASE WHEN u.email = $6 THEN 0 WHEN u.email LIKE $7 || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE u.role = 'owner' AND (u.email = $6 OR ($3 AND u.email LIKE '%' || $7 || '%'))
	 ORDER BY m.closeness, u.id DESC LIMIT $5)
	UNION ALL
	(SELECT 'account', 3, m.closeness, c.external_id, t.id, t.name, c.id, c.provider, c.external_id, '', '', 0, ''
	 FROM pos_connections c JOIN tenants t ON t.id = c.tenant_id
	 CROSS JOIN LATERAL (SELECT lower(c.external_id) AS v) n
	 CROSS JOIN LATERAL (SELECT CASE WHEN n.v = lower($1) THEN 0 WHEN n.v LIKE lower($2) || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE c.status <> 'unlinked' AND (n.v = lower($1) OR ($3 AND n.v LIKE '%' || lower($2) || '%'))
	 ORDER BY m.closeness, c.id DESC LIMIT $5)
	UNION ALL
	(SELECT 'terminal', 4, m.closeness, b.terminal_key, t.id, t.name, c.id, c.provider, c.external_id,
	        b.terminal_key, b.terminal_name, 0, ''
	 FROM terminal_bindings b JOIN pos_connections c ON c.id = b.connection_id JOIN tenants t ON t.id = b.tenant_id
	 CROSS JOIN LATERAL (SELECT lower(b.terminal_key) AS v,
	                            c.provider = 'smaregi' AND split_part(b.terminal_key, ':', 2) = $1 AS part) n
	 CROSS JOIN LATERAL (SELECT CASE WHEN n.v = lower($1) THEN 0 WHEN n.part THEN 1
	                                 WHEN n.v LIKE lower($2) || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE b.unbound_at IS NULL
	   AND (n.v = lower($1) OR n.part OR ($3 AND c.provider <> 'smaregi' AND n.v LIKE '%' || lower($2) || '%'))
	 ORDER BY m.closeness, b.id DESC LIMIT $5)
	UNION ALL
	(SELECT 'terminal_name', 5, m.closeness, b.terminal_name, t.id, t.name, c.id, c.provider, c.external_id,
	        b.terminal_key, b.terminal_name, 0, ''
	 FROM terminal_bindings b JOIN pos_connections c ON c.id = b.connection_id JOIN tenants t ON t.id = b.tenant_id
	 CROSS JOIN LATERAL (SELECT lower(normalize(b.terminal_name, NFKC)) AS v) n
	 CROSS JOIN LATERAL (SELECT CASE WHEN n.v = lower($1) THEN 0 WHEN n.v LIKE lower($2) || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE b.unbound_at IS NULL AND b.terminal_name <> ''
	   AND (n.v = lower($1) OR ($4 AND n.v LIKE '%' || lower($2) || '%'))
	 ORDER BY m.closeness, b.id DESC LIMIT $5)
	UNION ALL
	(SELECT 'camera', 6, m.closeness, cam.device_id, t.id, t.name, 0, '', '', '', '', cam.id, cam.name
	 FROM cameras cam JOIN tenants t ON t.id = cam.tenant_id
	 CROSS JOIN LATERAL (SELECT lower(cam.device_id) AS v) n
	 CROSS JOIN LATERAL (SELECT CASE WHEN n.v = lower($1) THEN 0 WHEN n.v LIKE lower($2) || '%' THEN 2 ELSE 3 END AS closeness) m
	 WHERE n.v = lower($1) OR ($3 AND n.v LIKE '%' || lower($2) || '%')
	 ORDER BY m.closeness, cam.id DESC LIMIT $5)
) found
ORDER BY closeness, k, tenant_id DESC, value
LIMIT $5`
