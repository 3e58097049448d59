-- +goose Up

-- Support staff find a tenant from whatever a customer reads out on the
-- phone (internal/support). Names are searched as people type them:
-- NFKC-folded (full-width letters and digits, half-width kana) and
-- lower-cased, kept in a column so that a search does not fold every row
-- again; IDs are searched lower-cased. Each exact lookup has an index;
-- searches in part read the (narrow) columns.
ALTER TABLE tenants
    ADD COLUMN search_name text GENERATED ALWAYS AS (lower(normalize(name, NFKC))) STORED;
ALTER TABLE terminal_bindings
    ADD COLUMN search_name text GENERATED ALWAYS AS (lower(normalize(terminal_name, NFKC))) STORED;

CREATE INDEX tenants_search_name_idx ON tenants (search_name, id);
CREATE INDEX pos_connections_search_idx ON pos_connections (lower(external_id), id) WHERE status <> 'unlinked';
CREATE INDEX cameras_search_idx ON cameras (lower(device_id), id);
-- A terminal is found by its whole key, by its name, or (Smaregi's
-- "storeId:terminalId") by the terminal part a customer reads as 端末ID.
CREATE INDEX terminal_bindings_search_key_idx ON terminal_bindings (lower(terminal_key), id) WHERE unbound_at IS NULL;
CREATE INDEX terminal_bindings_search_part_idx ON terminal_bindings (split_part(terminal_key, ':', 2), id)
    WHERE unbound_at IS NULL;
CREATE INDEX terminal_bindings_search_name_idx ON terminal_bindings (search_name, id) WHERE unbound_at IS NULL;

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops) WHERE role = 'owner';
CREATE INDEX pos_connections_search_trgm ON pos_connections USING gin (lower(external_id) gin_trgm_ops)
    WHERE status <> 'unlinked';
CREATE INDEX terminal_bindings_search_key_trgm ON terminal_bindings USING gin (lower(terminal_key) gin_trgm_ops)
    WHERE unbound_at IS NULL;
CREATE INDEX cameras_search_trgm ON cameras USING gin (lower(device_id) gin_trgm_ops);

-- +goose Down
-- pg_trgm stays: other objects may use it, and dropping it needs its owner.
DROP INDEX cameras_search_trgm;
DROP INDEX terminal_bindings_search_key_trgm;
DROP INDEX pos_connections_search_trgm;
DROP INDEX users_email_trgm;
DROP INDEX terminal_bindings_search_name_idx;
DROP INDEX terminal_bindings_search_part_idx;
DROP INDEX terminal_bindings_search_key_idx;
DROP INDEX cameras_search_idx;
DROP INDEX pos_connections_search_idx;
DROP INDEX tenants_search_name_idx;
ALTER TABLE terminal_bindings DROP COLUMN search_name;
ALTER TABLE tenants DROP COLUMN search_name;
