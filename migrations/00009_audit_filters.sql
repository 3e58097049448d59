-- +goose Up

-- The audit log's readers filter by action (one, or a group by its prefix
-- such as 'link.') and by the user who acted, newest first. Without these,
-- an action or a user with few entries is found by reading the whole log
-- (30 ms on 200,000 entries, growing with it); the tenant's and the time
-- range's indexes of 00001 already serve those filters.
-- text_pattern_ops serves both = and LIKE 'prefix%' whatever the collation.
CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;

-- +goose Down
DROP INDEX audit_log_actor_idx;
DROP INDEX audit_log_action_idx;
